import Foundation
import KneadPictures
import KneadSystem

/// `knead bench memory`: peak resident memory rendering a short and a long pattern.
/// Frames are generated lazily, so the long one must not need more.
public enum MemoryBenchmark {
    /// Minutes of the two patterns rendered.
    public static let lengths = [2.0, 120.0]

    public struct Sample: Sendable, Equatable {
        /// Minutes asked for.
        public var minutes: Double
        /// The compiled pattern's length, seconds.
        public var duration: Double
        /// VmHWM after the render; nil where /proc could not be read.
        public var peakBytes: Int?
        /// Whether the peak mark was reset before the render; if not, the figure is the
        /// process's high-water mark so far.
        public var wasReset: Bool

        public init(minutes: Double, duration: Double, peakBytes: Int?, wasReset: Bool) {
            self.minutes = minutes
            self.duration = duration
            self.peakBytes = peakBytes
            self.wasReset = wasReset
        }
    }

    public static func measure(rate: Double) throws -> [Sample] {
        try lengths.map { minutes in
            let wasReset = ProcessMemory.resetPeak()
            let run = try RenderBenchmark.run(minutes: minutes, rate: rate)
            return Sample(minutes: minutes, duration: run.duration, peakBytes: ProcessMemory.peakResidentBytes(),
                          wasReset: wasReset)
        }
    }

    public static func row(_ sample: Sample, rate: Double) -> BenchTable.Row {
        BenchTable.Row("peak memory, render \(clockText(sample.duration)) at \(Int(rate)) Hz",
                       sample.peakBytes.map { String(format: "%.1f MB", Double($0) / 1024 / 1024) } ?? "n/a",
                       sample.minutes == lengths[0] ? "" : "≤ the 2-minute figure",
                       sample.wasReset ? "VmHWM after a reset" : "VmHWM (could not reset; a high-water mark)")
    }
}
