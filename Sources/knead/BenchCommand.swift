import ArgumentParser
import Foundation
import KneadCore
import KneadPatternFile

/// `knead bench`: measurements for a release build. Each measurement is a subcommand
/// (`render`, `check`, `memory`; `all`, the default, runs the three), so other parts can
/// add theirs beside them (`link` for the serial drivers).
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure rendering speed, check time and memory (use a release build).",
        discussion: """
            render  a pattern of --minutes (default 15) at --rate (default 1000 Hz)
                    through the compiler, the safety envelope and the CSV writer into
                    /dev/null. Target: under 0.5 s for 15 minutes at 1 kHz.
            check   knead check's work on a shipped pattern, in this process: the
                    first run and the median of 20. Target: under 50 ms for the whole
                    process (measure that with hyperfine).
            memory  peak resident memory (VmHWM) while rendering a 2-minute and a
                    2-hour pattern at 1 kHz to /dev/null: the 2-hour one must not
                    need more.
            all     the three above (what plain 'knead bench' runs).

            The patterns for render and memory are built in code (a warm-up, then a
            block of about a minute of effleurage, petrissage, tapping and a rest,
            repeated), so the figures do not depend on the shipped files.

            Examples:
              swift build -c release && .build/release/knead bench
              .build/release/knead bench render --minutes 60
              hyperfine 'knead check Patterns/desk-reset.yaml'
            """,
        subcommands: [BenchAllCommand.self, BenchRenderCommand.self, BenchCheckCommand.self, BenchMemoryCommand.self,
                      BenchLinkCommand.self, BenchStopCommand.self],
        defaultSubcommand: BenchAllCommand.self)

    /// Options the measurements share.
    struct Options: ParsableArguments {
        @Option(help: ArgumentHelp("Length of the pattern for 'render', minutes (1…180).", valueName: "MIN"))
        var minutes: Double = 15

        @Option(help: ArgumentHelp("Frame rate for 'render' and 'memory', Hz (1…2000).", valueName: "HZ"))
        var rate: Double = 1000

        @Option(help: ArgumentHelp("The pattern file for 'check'.", valueName: "PATTERN"))
        var pattern: String = "Patterns/desk-reset.yaml"

        func validate() throws {
            guard (1...180).contains(minutes) else { throw ValidationError("--minutes must be between 1 and 180") }
            guard RenderCommand.rateRange.contains(rate) else {
                throw ValidationError("--rate must be between 1 and 2000 Hz")
            }
        }
    }

    enum Which: String, CaseIterable {
        case render, check, memory, all
    }

    /// Runs the measurements asked for and prints them as one table.
    static func measure(_ which: Which, options: Options) throws {
        let minutes = options.minutes, rate = options.rate, pattern = options.pattern
        #if DEBUG
        Console.error("knead: note: this is a debug build; measure with a release build "
                      + "(swift build -c release) for figures that mean something\n")
        #endif
        var rows: [(String, String, String, String)] = [("measurement", "value", "target", "detail")]
        if which == .render || which == .all {
            // The median of three runs: the machine may be busy with something else.
            let run = try Self.median((0..<3).map { _ in try Self.render(minutes: minutes, rate: rate) })
            rows.append(("render \(clockText(run.duration)) at \(Int(rate)) Hz to csv (/dev/null)",
                         String(format: "%.3f s", run.seconds), minutes == 15 && rate == 1000 ? "< 0.5 s" : "",
                         String(format: "median of 3 (CPU %.3f s); ", run.cpuSeconds) + "\(run.frames) frames, "
                            + String(format: "%.1f MB", Double(run.bytes) / 1e6)))
            // Where the time goes: the same frames through fewer stages.
            let sampling = try Self.median((0..<3).map { _ in try Self.render(minutes: minutes, rate: rate, through: .timeline) })
            let enveloped = try Self.median((0..<3).map { _ in try Self.render(minutes: minutes, rate: rate, through: .envelope) })
            // In CPU time: wall-clock differences drown in noise when the machine is shared.
            rows.append(("  of which sampling the timeline (CPU)", String(format: "%.3f s", sampling.cpuSeconds), "", ""))
            rows.append(("  of which the safety envelope (CPU)",
                         String(format: "%.3f s", enveloped.cpuSeconds - sampling.cpuSeconds), "", ""))
            let writing = run.cpuSeconds - enveloped.cpuSeconds
            rows.append(("  of which csv formatting and writing (CPU)", String(format: "%.3f s", writing), "",
                         String(format: "%.0f ns a frame", writing / Double(run.frames) * 1e9)))
        }
        if which == .check || which == .all {
            let run = try Self.check(path: pattern)
            rows.append(("check \(pattern) (in-process, median of 20)", String(format: "%.2f ms", run.median * 1000),
                         "< 50 ms", String(format: "first run %.2f ms", run.first * 1000)))
        }
        if which == .memory || which == .all {
            for length in [2.0, 120.0] {
                let before = Self.resetPeakMemory()
                let run = try Self.render(minutes: length, rate: rate)
                let peak = Self.peakMemoryKilobytes()
                rows.append(("peak memory, render \(clockText(run.duration)) at \(Int(rate)) Hz",
                             peak.map { String(format: "%.1f MB", Double($0) / 1024) } ?? "n/a",
                             length == 2 ? "" : "≤ the 2-minute figure",
                             before ? "VmHWM after a reset" : "VmHWM (could not reset; a high-water mark)"))
            }
        }
        let widths = (0..<4).map { column in rows.map { [$0.0, $0.1, $0.2, $0.3][column].count }.max()! }
        for row in rows {
            let cells = [row.0, row.1, row.2, row.3]
            Console.output(zip(cells, widths).map { $0 + String(repeating: " ", count: $1 - $0.count) }
                .joined(separator: "   ") + "\n")
        }
    }

    struct RenderRun {
        var seconds: Double
        /// CPU time of this thread: what the work costs when the machine is shared.
        var cpuSeconds: Double
        var frames: Int
        var bytes: Int
        var duration: Double
    }

    static func median(_ runs: [RenderRun]) -> RenderRun {
        runs.sorted { $0.seconds < $1.seconds }[runs.count / 2]
    }

    /// How far `render` takes the frames.
    enum Stage {
        /// Sample the timeline and drop the frames.
        case timeline
        /// Sample and pass through the safety envelope.
        case envelope
        /// Sample, envelope, format as CSV and write to /dev/null.
        case csv
    }

    /// Compiles a pattern of about `minutes` and renders it at `rate` into /dev/null, timed
    /// from the compile to the last byte written.
    static func render(minutes: Double, rate: Double, through stage: Stage = .csv) throws -> RenderRun {
        let pattern = BenchPatterns.make(minutes: minutes)
        let start = ContinuousClock.now
        let cpuStart = threadCPUTime()
        let timeline = try Compiler.compile(pattern, device: .chair)
        let limits = SafetyLimits.resolve(device: .chair, pattern: pattern.limits,
                                          sessionCap: timeline.duration + 60)
        var frames = 0
        var bytes = 0
        switch stage {
        case .timeline:
            var checksum = 0.0
            for frame in timeline.frames(rate: rate) {
                checksum += frame.intensity
                frames += 1
            }
            // Keeps the optimizer from dropping the loop.
            if checksum.isNaN { Console.error("") }
        case .envelope:
            var checksum = 0.0
            for safe in timeline.frames(rate: rate).safe(through: SafetyEnvelope(limits: limits), period: 1 / rate) {
                checksum += safe.frame.intensity
                frames += 1
            }
            if checksum.isNaN { Console.error("") }
        case .csv:
            let sink = try FileDescriptorSink(creating: "/dev/null")
            let counter = CountingSink(forwardingTo: sink)
            let writer = CSVFrameWriter(sink: counter, timeDecimals: ExportFormat.timeDecimals(forRate: rate))
            for safe in timeline.frames(rate: rate).safe(through: SafetyEnvelope(limits: limits), period: 1 / rate) {
                try writer.write(safe.frame)
                frames += 1
            }
            try writer.finish()
            bytes = counter.count
        }
        let elapsed = ContinuousClock.now - start
        return RenderRun(seconds: elapsed.seconds, cpuSeconds: threadCPUTime() - cpuStart, frames: frames, bytes: bytes,
                         duration: timeline.duration)
    }

    /// The first and the median time of loading and checking a pattern file.
    static func check(path: String) throws -> (first: Double, median: Double) {
        var times: [Double] = []
        for _ in 0..<20 {
            let start = ContinuousClock.now
            let result = PatternFile.load(path: path)
            times.append((ContinuousClock.now - start).seconds)
            if result.hasErrors {
                Console.error(result.rendered())
                throw KneadExitCode.invalidPattern
            }
        }
        let first = times[0]
        times.sort()
        return (first, times[times.count / 2])
    }

    /// Resets the kernel's peak-RSS mark (Linux: "5" to /proc/self/clear_refs).
    static func resetPeakMemory() -> Bool {
        guard let handle = FileHandle(forWritingAtPath: "/proc/self/clear_refs") else { return false }
        defer { try? handle.close() }
        do { try handle.write(contentsOf: Data("5".utf8)) } catch { return false }
        return true
    }

    /// VmHWM from /proc/self/status, kilobytes.
    static func peakMemoryKilobytes() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            return Int(line.split(separator: " ").dropFirst().first ?? "")
        }
        return nil
    }
}

/// CPU seconds this thread has used.
func threadCPUTime() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

/// Counts what passes through to another sink.
final class CountingSink: ByteSink {
    let next: ByteSink
    private(set) var count = 0
    init(forwardingTo next: ByteSink) { self.next = next }
    func write(_ bytes: UnsafeRawBufferPointer) throws(ExportError) {
        count += bytes.count
        try next.write(bytes)
    }
}

extension Duration {
    var seconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}

/// Patterns of any length for the benchmarks, built in code.
enum BenchPatterns {
    /// A 30-second warm-up, then a block of about a minute (effleurage, petrissage,
    /// tapping, a rest, with the travel between them) repeated to come as close to
    /// `minutes` as whole blocks allow. The block's compiled length is measured, not
    /// guessed, so the figures are for the length they say.
    static func make(minutes: Double) -> Pattern {
        let target = minutes * 60
        let once = compiledLength(pattern(repeats: 1))
        let block = compiledLength(pattern(repeats: 2)) - once
        guard block > 0 else { return pattern(repeats: 1) }
        let repeats = Swift.max(1, Int(((target - (once - block)) / block).rounded()))
        return pattern(repeats: Swift.min(repeats, 1000))
    }

    static func pattern(repeats: Int) -> Pattern {
        func step(_ technique: Technique, _ parameters: StepParameters) -> PatternItem {
            .step(Step(technique: technique, parameters: parameters))
        }
        let block: [PatternItem] = [
            step(.effleurage, StepParameters(strokes: 2, stroke: 8)),
            step(.petrissage, StepParameters(duration: 20, zone: .zone(.rhomboids, .left))),
            step(.tapping, StepParameters(duration: 15, zone: .zone(.upperTrapezius, .right), rate: 6)),
            step(.rest, StepParameters(duration: 5)),
        ]
        return Pattern(name: "Benchmark", items: [
            step(.warmUp, StepParameters(duration: 30)),
            .repeat(count: repeats, items: block, location: .unknown),
        ])
    }

    private static func compiledLength(_ pattern: Pattern) -> Double {
        (try? Compiler.compile(pattern, device: .chair).duration) ?? 0
    }
}

struct BenchAllCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "all", abstract: "render, check and memory (the default).")
    @OptionGroup var options: BenchCommand.Options
    func run() throws { try BenchCommand.measure(.all, options: options) }
}

struct BenchRenderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render", abstract: "Time a render to csv into /dev/null (median of 3, with CPU time).",
        discussion: "Example:\n  knead bench render --minutes 15 --rate 1000")
    @OptionGroup var options: BenchCommand.Options
    func run() throws { try BenchCommand.measure(.render, options: options) }
}

struct BenchCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check", abstract: "Time knead check's work on a pattern, in this process.",
        discussion: "Example:\n  knead bench check --pattern Patterns/trigger-point-tour.yaml")
    @OptionGroup var options: BenchCommand.Options
    func run() throws { try BenchCommand.measure(.check, options: options) }
}

struct BenchMemoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "memory", abstract: "Peak memory rendering a 2-minute and a 2-hour pattern.",
        discussion: "Example:\n  knead bench memory --rate 2000")
    @OptionGroup var options: BenchCommand.Options
    func run() throws { try BenchCommand.measure(.memory, options: options) }
}
