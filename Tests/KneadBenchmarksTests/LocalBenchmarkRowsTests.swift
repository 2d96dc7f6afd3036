import KneadBenchmarks
import Testing

@Suite("Render, check and memory rows")
struct LocalBenchmarkRowsTests {
    static let breakdown = RenderBenchmark.Breakdown(
        full: .init(seconds: 0.3104, cpuSeconds: 0.3, frames: 907_248, bytes: 61_234_567, duration: 907.2),
        sampling: .init(seconds: 0.06, cpuSeconds: 0.05, frames: 907_248, bytes: 0, duration: 907.2),
        enveloped: .init(seconds: 0.15, cpuSeconds: 0.14, frames: 907_248, bytes: 0, duration: 907.2))

    @Test func renderRowsSayWhereTheCPUTimeGoes() {
        let rows = RenderBenchmark.rows(Self.breakdown, minutes: 15, rate: 1000)
        #expect(rows == [
            BenchTable.Row("render 15:07 at 1000 Hz to csv (/dev/null)", "0.310 s", "< 0.5 s",
                           "median of 3 (CPU 0.300 s); 907248 frames, 61.2 MB"),
            BenchTable.Row("  of which sampling the timeline (CPU)", "0.050 s"),
            BenchTable.Row("  of which the safety envelope (CPU)", "0.090 s"),
            BenchTable.Row("  of which csv formatting and writing (CPU)", "0.160 s", "", "176 ns a frame"),
        ])
    }

    @Test func theRenderTargetIsForFifteenMinutesAtOneKilohertzOnly() {
        #expect(RenderBenchmark.rows(Self.breakdown, minutes: 60, rate: 1000)[0].target == "")
        #expect(RenderBenchmark.rows(Self.breakdown, minutes: 15, rate: 500)[0].target == "")
        #expect(RenderBenchmark.rows(Self.breakdown, minutes: 15, rate: 500)[0].measurement
                    == "render 15:07 at 500 Hz to csv (/dev/null)")
    }

    @Test func theMedianRunIsTheMiddleByWallTime() {
        let runs = [3.0, 1.0, 2.0].map {
            RenderBenchmark.Run(seconds: $0, cpuSeconds: $0 / 2, frames: 1, bytes: 0, duration: 1)
        }
        #expect(RenderBenchmark.median(runs).seconds == 2)
        #expect(RenderBenchmark.median(runs).cpuSeconds == 1)
    }

    @Test func checkKeepsTheFirstRunAndTheUpperMedian() {
        #expect(CheckBenchmark.summarize([0.007, 0.001, 0.003, 0.002]) == .init(first: 0.007, median: 0.003))
        #expect(CheckBenchmark.summarize([]) == .init(first: 0, median: 0))
        #expect(CheckBenchmark.row(pattern: "Patterns/desk-reset.yaml", timing: .init(first: 0.00712, median: 0.00125))
                    == BenchTable.Row("check Patterns/desk-reset.yaml (in-process, median of 20)", "1.25 ms",
                                      "< 50 ms", "first run 7.12 ms"))
    }

    @Test func memoryRowsNameTheTargetOnTheLongRunOnly() {
        let short = MemoryBenchmark.Sample(minutes: 2, duration: 109, peakBytes: 25_585_664, wasReset: true)
        let long = MemoryBenchmark.Sample(minutes: 120, duration: 7225, peakBytes: nil, wasReset: false)
        #expect(MemoryBenchmark.row(short, rate: 1000)
                    == BenchTable.Row("peak memory, render 1:49 at 1000 Hz", "24.4 MB", "", "VmHWM after a reset"))
        #expect(MemoryBenchmark.row(long, rate: 1000)
                    == BenchTable.Row("peak memory, render 2:00:25 at 1000 Hz", "n/a", "≤ the 2-minute figure",
                                      "VmHWM (could not reset; a high-water mark)"))
    }

    @Test func benchPatternsComeCloseToTheLengthAsked() throws {
        let fifteen = BenchPatterns.make(minutes: 15)
        let oneBlockLonger = BenchPatterns.make(minutes: 16)
        #expect(fifteen.name == "Benchmark")
        guard case let .repeat(count, _, _)? = fifteen.items.last,
              case let .repeat(moreCount, _, _)? = oneBlockLonger.items.last else {
            Issue.record("the blocks are one repeat")
            return
        }
        #expect(moreCount == count + 1)
    }
}
