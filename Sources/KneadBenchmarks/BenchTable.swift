/// The four-column table `knead bench` prints: measurement, value, target, detail,
/// each column as wide as its widest cell, three spaces between.
public struct BenchTable: Sendable, Equatable {
    public struct Row: Sendable, Equatable {
        public var measurement: String
        public var value: String
        public var target: String
        public var detail: String

        public init(_ measurement: String, _ value: String, _ target: String = "", _ detail: String = "") {
            self.measurement = measurement
            self.value = value
            self.target = target
            self.detail = detail
        }

        var cells: [String] { [measurement, value, target, detail] }
    }

    public static let header = Row("measurement", "value", "target", "detail")

    public var rows: [Row]

    public init(rows: [Row] = []) {
        self.rows = rows
    }

    /// Every line ends in a newline; trailing spaces are kept, as they always were.
    public var text: String {
        let all = [Self.header] + rows
        let widths = (0..<4).map { column in all.map { $0.cells[column].count }.max() ?? 0 }
        return all.map { row in
            zip(row.cells, widths).map { $0 + String(repeating: " ", count: $1 - $0.count) }
                .joined(separator: "   ") + "\n"
        }.joined()
    }
}
