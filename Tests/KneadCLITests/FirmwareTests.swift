import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The reference firmware (Firmware/, docs/firmware.md) on an emulated Cortex-M4:
/// `scripts/build-firmware` builds it, QEMU boots it with UART0 on a pseudo-terminal and
/// UART1 (the trace) in a file, and the real `knead play` plays a shipped pattern on it.
/// Skipped only when qemu-system-arm is not installed.
@Suite("Firmware: knead play on the reference firmware under QEMU", .serialized)
struct FirmwareTests {
    /// Without QEMU too: a change to Sources/KneadWire that breaks the firmware fails here.
    @Test("the firmware image builds with the Swift toolchain alone and fits its board")
    func theImageBuilds() throws {
        let build = try FirmwareBoard.build()
        let size = try #require(try FileManager.default.attributesOfItem(atPath: build.image)[.size] as? Int)
        #expect(size > 0)
        let report = try #require(build.output.split(separator: "\n").last { $0.contains("flash") })
        // "build-firmware: flash N bytes; RAM M bytes (…)": well inside the board's 4 MB each.
        let numbers = report.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        #expect(numbers.count >= 2 && numbers[0] < 256 * 1024 && numbers[1] < 256 * 1024, "\(report)")
    }

    @Test("identifies, plays and stops; a killed host trips the board's watchdog",
          .enabled(if: FirmwareBoard.qemu != nil,
                   "qemu-system-arm is not installed (Debian: apt-get install qemu-system-arm)"))
    func playsAndTheWatchdogBringsTheBoardToRest() throws {
        let folder = try temporaryFolder()
        let board = try FirmwareBoard(image: try FirmwareBoard.build().image, in: folder)
        defer { board.stop() }

        // A whole play: identify, stream, the session cap's ramp, stop; exit 0.
        let run = try playKnead(["play", Paths.pattern("desk-reset.yaml"), "--port", board.port,
                                 "--device", "knead-chair", "--session-cap", "3s"],
                                in: folder, within: 30)
        #expect(run.status == 0, "knead play ended with \(run.status); stderr:\n\(run.stderr)")
        #expect(run.stdout.contains("knead-firmware (mps2-an386)"), "summary:\n\(run.stdout)")
        let played = board.trace()
        let stop = try #require(played.events.firstIndex { $0.text == "stop" }, "no stop in the trace:\n\(board.traceText)")
        #expect(played.events.contains { $0.text == "state playing" })
        let moving = played.setpoints.filter { $0.values[0] > 0 }
        #expect(moving.count > 50, "\(moving.count) setpoints with intensity above zero")
        // Every level at zero after the stop, positions held.
        let last = try #require(played.setpoints.last)
        #expect(last.time <= played.events[stop].time)
        #expect(last.values[0] == 0 && last.values[3] == 0 && last.values[4] == 0, "last setpoint \(last.values)")

        // A host killed mid-play: the board's watchdog (250 ms) halts it and ramps every
        // level to zero over its stop ramp (250 ms).
        let before = played.events.count
        let host = try KneadProcess(["play", Paths.pattern("desk-reset.yaml"), "--port", board.port,
                                     "--device", "knead-chair", "--session-cap", "60s"], in: folder)
        let playing = waitUntil(seconds: 20) {
            let trace = board.trace()
            guard let start = trace.events.dropFirst(before).first(where: { $0.text == "state playing" }) else { return false }
            return trace.setpoints.contains { $0.time > start.time + 1_000_000 && $0.values[0] > 0 }
        }
        try #require(playing, "the second play never got going; stderr:\n\(host.stderrSoFar)\ntrace:\n\(board.traceText)")
        host.signal(SIGKILL)
        _ = host.finish(within: 5)
        let rested = waitUntil(seconds: 5) { board.trace().events.contains { $0.text == "at-rest" } }
        try #require(rested, "the watchdog did not bring the board to rest; trace:\n\(board.traceText)")

        let trace = board.trace()
        let trip = try #require(trace.events.first { $0.text == "watchdog 250" })
        let rest = try #require(trace.events.first { $0.text == "at-rest" })
        let lastHeard = try #require(trace.setpoints.last { $0.time < trip.time })
        #expect(lastHeard.values[0] > 0, "intensity was already zero when the host was killed")
        let ramp = trace.setpoints.filter { $0.time >= trip.time && $0.time <= rest.time }
        #expect(ramp.count > 10, "\(ramp.count) setpoints in the ramp")
        for (earlier, later) in zip(ramp, ramp.dropFirst()) {
            #expect(later.values[0] <= earlier.values[0], "intensity rose in the ramp: \(earlier.values) → \(later.values)")
        }
        #expect(ramp.last?.values[0] == 0 && ramp.last?.values[3] == 0)
        let rampMilliseconds = Double(rest.time - trip.time) / 1000
        #expect(abs(rampMilliseconds - 250) <= 20, "ramp took \(rampMilliseconds) ms")
        #expect(trace.events.contains { $0.text == "state halted" })
    }
}

/// The emulated board: the firmware image, a QEMU process, its UART0 pseudo-terminal and
/// the trace file UART1 writes.
final class FirmwareBoard {
    static let qemu: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/qemu-system-arm" }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// Builds (or finds up to date) Firmware/.build/knead-firmware.elf; its path and what
    /// the script printed (the last line gives the flash and RAM use).
    static func build() throws -> (image: String, output: String) {
        let script = Paths.repository.appendingPathComponent("scripts/build-firmware").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: script)
        process.currentDirectoryURL = Paths.repository
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "scripts/build-firmware failed:\n\(text)")
        return (Paths.repository.appendingPathComponent("Firmware/.build/knead-firmware.elf").path, text)
    }

    let process = Process()
    let port: String
    private let consoleURL: URL
    private let traceURL: URL
    /// Keeps the pseudo-terminal open between the runs of knead (write-only, so it never
    /// takes a byte meant for knead): QEMU notices a reopened terminal only on a
    /// once-a-second poll, which would eat into knead's 2 s for IDENTIFY.
    private var holder: Int32 = -1

    init(image: String, in folder: URL) throws {
        consoleURL = folder.appendingPathComponent("qemu-console.txt")
        traceURL = folder.appendingPathComponent("uart1-trace.txt")
        _ = FileManager.default.createFile(atPath: consoleURL.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: try #require(Self.qemu))
        process.arguments = ["-M", "mps2-an386", "-nographic", "-monitor", "none",
                             "-serial", "pty", "-serial", "file:\(traceURL.path)", "-kernel", image]
        process.standardInput = FileHandle.nullDevice
        let console = try FileHandle(forWritingTo: consoleURL)
        process.standardOutput = console
        process.standardError = console
        try process.run()

        // "char device redirected to /dev/pts/N (label serial0)"
        var found: String?
        let consoleURL = self.consoleURL
        let printed = waitUntil(seconds: 10) {
            let text = (try? String(contentsOf: consoleURL, encoding: .utf8)) ?? ""
            guard let range = text.range(of: "/dev/pts/") else { return false }
            let tail = text[range.lowerBound...]
            let path = tail.prefix { !$0.isWhitespace }
            guard path.count > "/dev/pts/".count, tail.dropFirst(path.count).first?.isWhitespace == true else { return false }
            found = String(path)
            return true
        }
        guard printed, let found else {
            kill(process.processIdentifier, SIGKILL)
            throw BoardError(description: "QEMU printed no pseudo-terminal: \((try? String(contentsOf: consoleURL, encoding: .utf8)) ?? "")")
        }
        port = found
        holder = open(port, O_WRONLY | O_NOCTTY)
        // The firmware is running once its banner is in the trace.
        let traceURL = self.traceURL
        let booted = waitUntil(seconds: 10) {
            ((try? String(contentsOf: traceURL, encoding: .utf8)) ?? "").contains("# t_us")
        }
        if !booted {
            stop()
            throw BoardError(description: "the firmware wrote no banner on UART1")
        }
    }

    var traceText: String { (try? String(contentsOf: traceURL, encoding: .utf8)) ?? "" }

    func trace() -> FirmwareTrace { FirmwareTrace(traceText) }

    func stop() {
        if holder >= 0 { close(holder) }
        holder = -1
        // SIGKILL: a child of the test process starts with SIGTERM blocked (the mask is
        // inherited) and QEMU does not unblock it. The board has nothing to save.
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    struct BoardError: Error, CustomStringConvertible {
        var description: String
    }
}

/// The firmware's UART1 trace (docs/firmware.md): `t_us v0 v1 …` setpoint lines and
/// `# t_us text` event lines; comments without a time and a line still being written
/// are left out.
struct FirmwareTrace {
    struct Setpoint {
        var time: UInt64
        var values: [Int]
    }
    struct Event {
        var time: UInt64
        var text: String
    }

    var setpoints: [Setpoint] = []
    var events: [Event] = []

    init(_ text: String) {
        // Only whole lines: the last one may still be on its way.
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        lines.removeLast()
        for line in lines {
            if line.hasPrefix("# ") {
                let rest = line.dropFirst(2)
                let word = rest.prefix { !$0.isWhitespace }
                guard let time = UInt64(word) else { continue }
                events.append(Event(time: time, text: String(rest.dropFirst(word.count + 1))))
            } else {
                let fields = line.split(separator: " ")
                guard fields.count >= 6, let time = UInt64(fields[0]) else { continue }
                let values = fields.dropFirst().compactMap { Int($0) }
                if values.count == fields.count - 1 { setpoints.append(Setpoint(time: time, values: values)) }
            }
        }
    }
}
