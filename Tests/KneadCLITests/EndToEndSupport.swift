import Foundation
import KneadSystem
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The end-to-end tests: `knead sim` and `knead play` as two processes, as a person
/// runs them in two terminals. One test at a time (each plays in real time and some
/// measure how fast things end); nested suites in EndToEnd*.swift.
@Suite("End to end: knead play on knead sim", .serialized)
enum EndToEndTests {}

/// CLOCK_MONOTONIC in seconds: the clock `knead sim` reports its trace's origin on.
func monotonicSeconds() -> Double {
    MonotonicTime.seconds()
}

/// A running `knead sim` with `--json`, reached through a symlink in `folder`.
final class SimProcess {
    let process: KneadProcess
    /// The symlink `--link` keeps (outside /dev, so libserialport can be given it too).
    let link: String
    /// The pseudo-terminal the simulator printed.
    let ptyPath: String

    init(_ arguments: [String], in folder: URL) throws {
        let link = folder.appendingPathComponent("port").path
        let process = try KneadProcess(["sim"] + arguments + ["--link", link, "--json"], in: folder)
        let printed = process.waitFor(seconds: 10) { process.stdoutSoFar.contains("\n") }
        try #require(printed, "knead sim printed no path; stderr: \(process.stderrSoFar)")
        self.link = link
        self.process = process
        ptyPath = String(process.stdoutSoFar.split(separator: "\n").first ?? "")
        #expect(ptyPath.hasPrefix("/dev/pts/"), "knead sim printed \(ptyPath)")
        var info = stat()
        #expect(lstat(link, &info) == 0 && info.st_mode & S_IFMT == S_IFLNK, "no symlink at \(link)")
    }

    /// The path libserialport is given: `/dev/` and three `..` climb out of
    /// /sys/class/tty back to the symlink (docs/drivers.md, PLATFORM.md).
    var libserialportPath: String { "/dev/../../.." + link }

    /// Ctrl-C, then the summary. Fails the test unless it ends with 130 and the link gone.
    func stop() throws -> SimSummary {
        if process.process.isRunning { process.signal(SIGINT) }
        return try finished(expecting: 130)
    }

    /// Waits for the end (e.g. after the hangup fault) and reads the summary.
    func finished(expecting status: Int32) throws -> SimSummary {
        let run = process.finish(within: 10)
        #expect(run.status == status, "knead sim ended with \(run.status); stderr:\n\(run.stderr)")
        var info = stat()
        #expect(lstat(link, &info) != 0, "knead sim left its link behind")
        let json = try #require(run.stdout.split(separator: "\n").last, "no summary: \(run.stdout)")
        var summary = try JSONDecoder().decode(SimSummary.self, from: Data(json.utf8))
        summary.stderr = run.stderr
        return summary
    }
}

/// The parts of `knead sim --json`'s summary the tests read.
struct SimSummary: Decodable {
    struct Figures: Decodable {
        var p50: Double
        var p99: Double
        var max: Double
    }
    struct TCode: Decodable {
        var lines: Int
        var axisCommands: Int
        var invalidTokens: Int
        var stops: Int
        var watchdogFirings: Int
    }
    struct KWP: Decodable {
        var state: String
        var accepted: Int
        var executed: Int
        var late: Int
        var droppedFrames: Int
        var duplicates: Int
        var gaps: Int
        var stops: Int
        var watchdogTrips: Int
    }
    var ending: String
    var seconds: Double
    var clockOrigin: Double
    var hostConnections: Int?
    var bytesFromHost: Int
    var corruptedBytes: Int
    var deviceAtZero: Bool
    var tcode: TCode?
    var kwp: KWP?
    var stderr = ""

    private enum CodingKeys: String, CodingKey {
        case ending, seconds, clockOrigin, hostConnections, bytesFromHost, corruptedBytes, deviceAtZero, tcode, kwp
    }
}

/// A `knead play` run and when it ended, on the monotonic clock.
struct TimedRun {
    var status: Int32
    var stdout: String
    var stderr: String
    var endedAt: Double
}

extension KneadProcess {
    /// Whether the process has exited, from /proc (a zombie not yet reaped counts):
    /// Foundation notices an exit only some milliseconds later.
    var hasExited: Bool {
        let pid = process.processIdentifier
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return true }
        // "pid (comm) S …": the state follows the last ')'.
        guard let close = stat.lastIndex(of: ")") else { return !process.isRunning }
        let state = stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first
        return state == "Z" || state == "X"
    }

    /// Waits (polling every millisecond) for the end; kills it after `seconds`.
    func finishTimed(within seconds: Double = 30) -> TimedRun {
        let deadline = monotonicSeconds() + seconds
        while !hasExited && monotonicSeconds() < deadline { usleep(1000) }
        let endedAt = monotonicSeconds()
        let run = finish(within: 1)
        return TimedRun(status: run.status, stdout: run.stdout, stderr: run.stderr, endedAt: endedAt)
    }
}

/// The TIOCM shim (Tests/Support/tiocm-shim.c) built once per test run, so that real
/// libserialport can open a pseudo-terminal (PLATFORM.md; test-only).
enum TIOCMShim {
    static let path: Result<String, ShimError> = {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("knead-e2e-shim-\(getpid())")
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let output = folder.appendingPathComponent("tiocm-shim.so").path
        let source = Paths.repository.appendingPathComponent("Tests/Support/tiocm-shim.c").path
        let compiler = Process()
        compiler.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        compiler.arguments = ["cc", "-shared", "-fPIC", "-O2", "-o", output, source, "-ldl"]
        do {
            try compiler.run()
            compiler.waitUntilExit()
        } catch {
            return .failure(ShimError(description: "cannot run cc: \(error)"))
        }
        guard compiler.terminationStatus == 0, FileManager.default.fileExists(atPath: output) else {
            return .failure(ShimError(description: "cc could not build \(source) (exit \(compiler.terminationStatus))"))
        }
        return .success(output)
    }()

    struct ShimError: Error, CustomStringConvertible {
        var description: String
    }

    /// The environment that makes `knead play` open its port with libserialport through the shim.
    static func environment() throws -> [String: String] {
        ["LD_PRELOAD": try path.get(), "KNEAD_SERIAL_TRANSPORT": "libserialport"]
    }
}

/// How the simulated `chair` (knead sim's default device, default body) lays the back
/// on its track: Simulator/Sources/KneadSimulator/BodyMapping.swift, written out here as
/// an independent check. Track 420 × 700 mm, back 400 × 320 mm, neck 60 mm below the
/// top: x_mm = 10 + 400·x, y_mm = 320 + 320·y, on a grid of 1024 positions per axis.
enum ChairTrack {
    static let width = 420.0, length = 700.0, steps = 1024.0

    static func millimetres(x: Double, y: Double) -> (x: Double, y: Double) {
        func snap(_ value: Double, _ span: Double) -> Double {
            ((min(span, max(0, value)) / span * (steps - 1)).rounded()) * span / (steps - 1)
        }
        return (snap(10 + 400 * x, width), snap(320 + 320 * y, length))
    }

    /// One grid step, mm (the larger axis).
    static let gridStep = length / (steps - 1)
    /// Intensity and pressure levels of the chair: 256 and 64 steps.
    static func intensity(_ level: Double) -> Double { (min(1, max(0, level)) * 255).rounded() / 255 }
    static func pressure(_ level: Double) -> Double { (min(1, max(0, level)) * 63).rounded() / 63 }
}

/// Rows of a csv with a header, by column name.
struct CSVTable {
    let columns: [String: Int]
    let rows: [[Double]]

    /// Numeric columns only (others read as NaN).
    init(text: String) throws {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        let header = try #require(lines.first, "empty csv").split(separator: ",").map(String.init)
        lines.removeFirst()
        var columns: [String: Int] = [:]
        for (index, name) in header.enumerated() { columns[name] = index }
        self.columns = columns
        rows = lines.map { line in
            line.split(separator: ",", omittingEmptySubsequences: false).map { Double($0) ?? .nan }
        }
    }

    func column(_ name: String) throws -> [Double] {
        let index = try #require(columns[name], "no column \(name) in \(columns.keys.sorted())")
        return rows.map { index < $0.count ? $0[index] : .nan }
    }
}

/// How closely what the simulated device was told (its trace, a row every device
/// tick) follows the frames `knead render` gives for the same pattern and rate.
///
/// The device keeps its setpoints on its own steps (256 intensity levels, a grid of
/// 1024 positions a side), so each frame is compared on those steps, where only
/// *clear* values count: a value within 5 % of a step of the halfway point between two
/// steps may land on either after the wire's own rounding (TCode's 4 digits, the wire
/// protocol's 16 bits) and is left out.
///
/// The two clocks differ by when play started, so the trace is first lined up with
/// the frames: roughly at the first frame with intensity, then by the median lag of
/// the frames' changes. A *change* is a frame whose clear intensity, x or y is on a
/// different step than the frame before. Its time error is when the device's
/// setpoints first took the frame's steps (from half a frame period before the frame's
/// time), against the frame's time; a change not found within two frame periods after
/// is *missing*. The position error is the distance between the device's commanded
/// position at each frame's time and the frame's position, mm.
struct TraceComparison: CustomStringConvertible {
    var frames = 0
    var changes = 0
    var missing = 0
    /// Trace time − frame time, seconds (the two clocks' offset).
    var offset = 0.0
    var timeErrors: [Double] = []
    var positionErrors: [Double] = []

    static func percentile(_ values: [Double], _ p: Double) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded()))]
    }

    var timeP50: Double { Self.percentile(timeErrors.map(abs), 0.5) }
    var timeP99: Double { Self.percentile(timeErrors.map(abs), 0.99) }
    var timeMax: Double { timeErrors.map(abs).max() ?? 0 }
    var positionP99: Double { Self.percentile(positionErrors, 0.99) }
    var positionMax: Double { positionErrors.max() ?? 0 }

    var description: String {
        func ms(_ s: Double) -> String { String(format: "%.1f ms", s * 1000) }
        return "\(frames) frames, \(changes) changes, \(missing) missing; trace − frames offset "
            + String(format: "%.3f s", offset) + "; time error |p50| \(ms(timeP50)), |p99| \(ms(timeP99)), "
            + "max \(ms(timeMax)); position error p99 " + String(format: "%.2f mm", positionP99)
            + ", max " + String(format: "%.2f mm", positionMax)
    }

    /// A level on `steps` evenly spaced steps, or nil when it is not clearly on one.
    static func clearStep(_ scaled: Double) -> Int? {
        let fraction = scaled - scaled.rounded(.down)
        return abs(fraction - 0.5) < 0.05 ? nil : Int(scaled.rounded())
    }

    /// The steps a frame puts the chair on: intensity of 255, x and y of 1023 (nil: not clear).
    struct Steps: Equatable {
        var intensity: Int?
        var x: Int?
        var y: Int?
    }

    /// `easeIn`: seconds at the start left out of the comparison, while a TCode device
    /// eases into its first position (the profile's start-ramp) instead of following.
    init(render: CSVTable, trace: CSVTable, period: Double, easeIn: Double = 0) throws {
        let frameTime = try render.column("time")
        let rawIntensity = try render.column("intensity"), rawX = try render.column("x"), rawY = try render.column("y")
        let framePosition = zip(rawX, rawY).map { ChairTrack.millimetres(x: $0, y: $1) }
        let frameSteps: [Steps] = rawIntensity.indices.map { f in
            func track(_ mm: Double, _ span: Double) -> Int? {
                Self.clearStep(min(span, max(0, mm)) / span * (ChairTrack.steps - 1))
            }
            return Steps(intensity: Self.clearStep(min(1, max(0, rawIntensity[f])) * 255),
                         x: track(10 + 400 * rawX[f], ChairTrack.width), y: track(320 + 320 * rawY[f], ChairTrack.length))
        }
        let traceTime = try trace.column("time")
        let setIntensity = try trace.column("set_intensity").map { Int(($0 * 255).rounded()) }
        let setXmm = try trace.column("set_x"), setYmm = try trace.column("set_y")
        let setX = setXmm.map { Int(($0 / ChairTrack.width * (ChairTrack.steps - 1)).rounded()) }
        let setY = setYmm.map { Int(($0 / ChairTrack.length * (ChairTrack.steps - 1)).rounded()) }
        frames = frameTime.count
        try #require(traceTime.count > 1 && frames > 1)
        let step = traceTime[1] - traceTime[0]

        /// The trace row at (or just before) time `t`.
        func row(at t: Double) -> Int {
            min(traceTime.count - 1, max(0, Int(((t - traceTime[0]) / step + 1e-6).rounded(.down))))
        }
        func matches(row r: Int, _ steps: Steps) -> Bool {
            (steps.intensity.map { $0 == setIntensity[r] } ?? true) && (steps.x.map { $0 == setX[r] } ?? true)
                && (steps.y.map { $0 == setY[r] } ?? true)
        }
        func isChange(_ f: Int) -> Bool {
            let now = frameSteps[f], before = frameSteps[f - 1]
            func differs(_ a: Int?, _ b: Int?) -> Bool { a != nil && b != nil && a != b }
            return differs(now.intensity, before.intensity) || differs(now.x, before.x) || differs(now.y, before.y)
        }
        /// When, relative to `t`, the device's setpoints first stood on frame `f`'s steps.
        func lag(of f: Int, around t: Double, before: Double, after: Double) -> Double? {
            var r = row(at: t - before)
            let last = row(at: t + after)
            while r <= last {
                if matches(row: r, frameSteps[f]) { return traceTime[r] - t }
                r += 1
            }
            return nil
        }

        // The first intensity on the device's steps (a frame below half a step is 0 there).
        let firstFrame = try #require(rawIntensity.firstIndex { ($0 * 255).rounded() >= 1 }, "the frames never have intensity")
        let firstRow = try #require(setIntensity.firstIndex { $0 >= 1 }, "the device never got intensity")
        let coarse = traceTime[firstRow] - frameTime[firstFrame]
        let eased = frameTime[0] + easeIn
        let changing = (1..<frames).filter { frameTime[$0] >= eased && isChange($0) }
        changes = changing.count
        let lags = changing.compactMap { lag(of: $0, around: frameTime[$0] + coarse, before: period / 2, after: 0.1) }
        offset = coarse + Self.percentile(lags, 0.5)
        for f in changing {
            if let error = lag(of: f, around: frameTime[f] + offset, before: period / 2, after: 2 * period) {
                timeErrors.append(error)
            } else {
                missing += 1
            }
        }
        for f in 0..<frames where frameTime[f] >= eased {
            let r = row(at: frameTime[f] + offset)
            let dx = setXmm[r] - framePosition[f].x, dy = setYmm[r] - framePosition[f].y
            positionErrors.append((dx * dx + dy * dy).squareRoot())
        }
    }
}

/// `knead render --format csv` of a pattern, as the frames play sends.
func renderedFrames(_ pattern: String, device: String, rate: Double, sessionCap: String) throws -> CSVTable {
    let run = try runKnead(["render", Paths.pattern(pattern), "--format", "csv", "--rate", String(Int(rate)),
                            "--device", device, "--session-cap", sessionCap])
    try #require(run.status == 0, "knead render failed: \(run.stderr)")
    return try CSVTable(text: run.stdout)
}
