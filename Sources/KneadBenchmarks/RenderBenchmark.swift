import Foundation
import KneadCore
import KneadPatternFile
import KneadPictures
import KneadSystem

/// `knead bench render`: a pattern of some minutes through the compiler, the safety
/// envelope and the CSV writer into /dev/null, and where the time goes.
public enum RenderBenchmark {
    public struct Run: Sendable, Equatable {
        public var seconds: Double
        /// CPU time of this thread: what the work costs when the machine is shared.
        public var cpuSeconds: Double
        public var frames: Int
        public var bytes: Int
        /// The compiled pattern's length, seconds.
        public var duration: Double

        public init(seconds: Double, cpuSeconds: Double, frames: Int, bytes: Int, duration: Double) {
            self.seconds = seconds
            self.cpuSeconds = cpuSeconds
            self.frames = frames
            self.bytes = bytes
            self.duration = duration
        }
    }

    /// How far a run takes the frames.
    public enum Stage: Sendable {
        /// Sample the timeline and drop the frames.
        case timeline
        /// Sample and pass through the safety envelope.
        case envelope
        /// Sample, envelope, format as CSV and write to /dev/null.
        case csv
    }

    /// The same frames taken to each stage, each the median of three runs: the
    /// differences between stages say where the time goes.
    public struct Breakdown: Sendable, Equatable {
        public var full: Run
        public var sampling: Run
        public var enveloped: Run

        public init(full: Run, sampling: Run, enveloped: Run) {
            self.full = full
            self.sampling = sampling
            self.enveloped = enveloped
        }
    }

    public static func measure(minutes: Double, rate: Double) throws -> Breakdown {
        // Three runs each: the machine may be busy with something else.
        func median(_ stage: Stage) throws -> Run {
            Self.median(try (0..<3).map { _ in try run(minutes: minutes, rate: rate, through: stage) })
        }
        let full = try median(.csv)
        return Breakdown(full: full, sampling: try median(.timeline), enveloped: try median(.envelope))
    }

    /// The run of median wall time.
    public static func median(_ runs: [Run]) -> Run {
        runs.sorted { $0.seconds < $1.seconds }[runs.count / 2]
    }

    /// The table's rows. The stages are compared in CPU time: wall-clock differences
    /// drown in noise when the machine is shared.
    public static func rows(_ breakdown: Breakdown, minutes: Double, rate: Double) -> [BenchTable.Row] {
        let run = breakdown.full
        let writing = run.cpuSeconds - breakdown.enveloped.cpuSeconds
        return [
            BenchTable.Row("render \(clockText(run.duration)) at \(Int(rate)) Hz to csv (/dev/null)",
                           String(format: "%.3f s", run.seconds), minutes == 15 && rate == 1000 ? "< 0.5 s" : "",
                           String(format: "median of 3 (CPU %.3f s); ", run.cpuSeconds) + "\(run.frames) frames, "
                               + String(format: "%.1f MB", Double(run.bytes) / 1e6)),
            BenchTable.Row("  of which sampling the timeline (CPU)",
                           String(format: "%.3f s", breakdown.sampling.cpuSeconds)),
            BenchTable.Row("  of which the safety envelope (CPU)",
                           String(format: "%.3f s", breakdown.enveloped.cpuSeconds - breakdown.sampling.cpuSeconds)),
            BenchTable.Row("  of which csv formatting and writing (CPU)", String(format: "%.3f s", writing), "",
                           String(format: "%.0f ns a frame", writing / Double(Swift.max(1, run.frames)) * 1e9)),
        ]
    }

    /// Compiles a pattern of about `minutes` and renders it at `rate` into /dev/null, timed
    /// from the compile to the last byte written.
    public static func run(minutes: Double, rate: Double, through stage: Stage = .csv) throws -> Run {
        let pattern = BenchPatterns.make(minutes: minutes)
        let start = MonotonicTime.seconds()
        let cpuStart = CPUTime.thisThreadSeconds()
        let timeline = try Compiler.compile(pattern, device: .chair)
        let limits = SafetyLimits.resolve(device: .chair, pattern: pattern.limits,
                                          sessionCap: timeline.duration + 60)
        var frames = 0
        var bytes = 0
        var checksum = 0.0
        switch stage {
        case .timeline:
            for frame in timeline.frames(rate: rate) {
                checksum += frame.intensity
                frames += 1
            }
        case .envelope:
            for safe in timeline.frames(rate: rate).safe(through: SafetyEnvelope(limits: limits), period: 1 / rate) {
                checksum += safe.frame.intensity
                frames += 1
            }
        case .csv:
            let counter = CountingSink(forwardingTo: try FileDescriptorSink(creating: "/dev/null"))
            let writer = CSVFrameWriter(sink: counter, timeDecimals: ExportFormat.timeDecimals(forRate: rate))
            for safe in timeline.frames(rate: rate).safe(through: SafetyEnvelope(limits: limits), period: 1 / rate) {
                try writer.write(safe.frame)
                frames += 1
            }
            try writer.finish()
            bytes = counter.count
        }
        keep(checksum)
        return Run(seconds: MonotonicTime.seconds() - start, cpuSeconds: CPUTime.thisThreadSeconds() - cpuStart,
                   frames: frames, bytes: bytes, duration: timeline.duration)
    }
}

/// Keeps a value the optimizer would otherwise see go nowhere, and with it the loop that
/// computed it: the stages that drop their frames must still make them.
@inline(never) @_optimize(none)
private func keep(_ value: Double) {}
