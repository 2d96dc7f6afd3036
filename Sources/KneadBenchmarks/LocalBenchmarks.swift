/// The in-process measurements (render, check, memory) as one table: what plain
/// `knead bench` prints.
public enum LocalBenchmarks {
    public enum Selection: String, Sendable, CaseIterable {
        case render, check, memory, all

        func includes(_ one: Selection) -> Bool { self == one || self == .all }
    }

    /// Runs the measurements selected, in the order render, check, memory.
    public static func table(_ selection: Selection, minutes: Double, rate: Double,
                             pattern: String) throws -> BenchTable {
        var table = BenchTable()
        if selection.includes(.render) {
            table.rows += RenderBenchmark.rows(try RenderBenchmark.measure(minutes: minutes, rate: rate),
                                               minutes: minutes, rate: rate)
        }
        if selection.includes(.check) {
            table.rows.append(CheckBenchmark.row(pattern: pattern, timing: try CheckBenchmark.measure(path: pattern)))
        }
        if selection.includes(.memory) {
            table.rows += try MemoryBenchmark.measure(rate: rate).map { MemoryBenchmark.row($0, rate: rate) }
        }
        return table
    }
}
