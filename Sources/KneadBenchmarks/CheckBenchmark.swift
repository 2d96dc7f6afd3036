import Foundation
import KneadPatternFile
import KneadSystem

/// `knead bench check`: what `knead check` does for a pattern file, in this process.
public enum CheckBenchmark {
    public static let runs = 20

    public struct Timing: Sendable, Equatable {
        /// The first run: caches cold.
        public var first: Double
        public var median: Double

        public init(first: Double, median: Double) {
            self.first = first
            self.median = median
        }
    }

    /// The pattern has errors: there is nothing to time. `rendered` is what
    /// `knead check` would print about it.
    public struct InvalidPattern: Error {
        public var rendered: String
    }

    /// Loads and checks the file `runs` times.
    public static func measure(path: String) throws(InvalidPattern) -> Timing {
        var times: [Double] = []
        for _ in 0..<runs {
            let start = MonotonicTime.seconds()
            let result = PatternFile.load(path: path)
            times.append(MonotonicTime.seconds() - start)
            if result.hasErrors { throw InvalidPattern(rendered: result.rendered()) }
        }
        return summarize(times)
    }

    /// The first time, and the median (the upper one of an even count).
    public static func summarize(_ times: [Double]) -> Timing {
        guard let first = times.first else { return Timing(first: 0, median: 0) }
        return Timing(first: first, median: times.sorted()[times.count / 2])
    }

    public static func row(pattern: String, timing: Timing) -> BenchTable.Row {
        BenchTable.Row("check \(pattern) (in-process, median of \(runs))", String(format: "%.2f ms", timing.median * 1000),
                       "< 50 ms", String(format: "first run %.2f ms", timing.first * 1000))
    }
}
