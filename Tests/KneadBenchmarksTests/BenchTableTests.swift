import KneadBenchmarks
import Testing

@Suite("Bench table")
struct BenchTableTests {
    @Test func columnsAreAsWideAsTheirWidestCellThreeSpacesApart() {
        let table = BenchTable(rows: [
            BenchTable.Row("render 15:07 at 1000 Hz", "0.310 s", "< 0.5 s", "median of 3"),
            BenchTable.Row("  of which sampling", "0.050 s"),
        ])
        #expect(table.text == """
            measurement               value     target    detail     \n\
            render 15:07 at 1000 Hz   0.310 s   < 0.5 s   median of 3\n\
              of which sampling       0.050 s                        \n
            """)
    }

    @Test func anEmptyTableIsTheHeader() {
        #expect(BenchTable().text == "measurement   value   target   detail\n")
    }
}
