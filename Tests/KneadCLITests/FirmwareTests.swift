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

    @Test("identifies, plays and stops; a killed host trips the board's watchdog", .needsQEMU)
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

    // MARK: knead sim --firmware

    /// The board's UART1 trace against `knead render` of the same pattern, through
    /// `knead sim --firmware` (QEMU behind knead sim's own terminal and relay).
    ///
    /// Compared: the *setpoints* the board applied (its trace lines; the modelled motors
    /// lag them by 80 ms and are not traced), intensity on the chair's 256 steps,
    /// pressure on its 64 and x on its 1024 (the wire's x is the frame's x; y goes through
    /// the body mapping and is left out), against the rendered frames on the same steps. The trace is
    /// expanded to one row a millisecond (the board applies a setpoint within its 1 ms
    /// control period) and lined up with the frames by the median lag of the frames'
    /// changes. Tolerances: every change of a clear step (not within 5 % of a step of a
    /// halfway point) is found on the board within 2 frame periods (20 ms) and its time
    /// error is |p50| ≤ 2 ms, |p99| ≤ 5 ms, max ≤ 10 ms; at each frame's time the
    /// board's clear steps equal the frame's in ≥ 99 % of the frames and never differ by
    /// more than one step.
    @Test("knead sim --firmware: the board's applied setpoints follow knead render of the pattern", .needsQEMU)
    func theBoardFollowsTheRender() throws {
        let folder = try temporaryFolder()
        _ = try FirmwareBoard.build()
        let sim = try FirmwareSim(faults: nil, in: folder)
        defer { sim.kill() }
        let play = try playKnead(["play", Paths.pattern("desk-reset.yaml"), "--port", sim.link, "--device", "knead-chair",
                                  "--session-cap", "8s", "--json"], in: folder, within: 40)
        #expect(play.status == 0, "knead play ended with \(play.status); stderr:\n\(play.stderr)")
        let framesSent = try #require(try parseSummary(play.stdout)["framesSent"] as? Int)
        let relay = try sim.finished(expecting: 0)
        #expect(relay["ending"] as? String == "host-left")

        let trace = FirmwareTrace(sim.traceText)
        let start = try #require(trace.events.first { $0.text == "state playing" }, "never played:\n\(sim.traceText)")
        let stop = try #require(trace.events.first { $0.text == "stop" && $0.time > start.time })
        let render = try renderedFrames("desk-reset.yaml", device: "knead-chair", rate: 100, sessionCap: "8s")
        let comparison = try BoardComparison(render: render, trace: trace, from: start.time, to: stop.time, period: 0.01)
        print("firmware vs render: \(comparison)")
        #expect(comparison.frames == framesSent, "\(comparison.frames) frames rendered, \(framesSent) sent")
        #expect(comparison.changes > 20 && comparison.missing == 0, "\(comparison)")
        #expect(comparison.timeP50 <= 0.002 && comparison.timeP99 <= 0.005 && comparison.timeMax <= 0.010, "\(comparison)")
        #expect(comparison.valueMatch >= 0.99 && comparison.valueWorst <= 1, "\(comparison)")
        #expect(trace.count("executed") == framesSent, "board executed \(trace.count("executed") ?? -1) of \(framesSent)")
    }

    /// Ctrl-C mid-play: knead play stops the board (exit 130, `deviceAtZero`), and the
    /// board's trace has every level (intensity, pressure, heat) at zero by its STOP
    /// event: the last setpoint line before it, or one within a control period (1 ms)
    /// after it, is all zeros on those channels, and no later line has a level above
    /// zero. The host's own ramp-down before its STOP is bounded as well: the levels
    /// leave their last playing value and reach zero within 1 s of device time.
    @Test("knead sim --firmware: Ctrl-C of knead play brings every level to zero by the board's STOP", .needsQEMU)
    func aStopReachesZero() throws {
        let folder = try temporaryFolder()
        _ = try FirmwareBoard.build()
        let sim = try FirmwareSim(faults: nil, in: folder)
        defer { sim.kill() }
        let host = try KneadProcess(["play", Paths.pattern("desk-reset.yaml"), "--port", sim.link,
                                     "--device", "knead-chair", "--session-cap", "60s", "--json"], in: folder)
        let playing = waitUntil(seconds: 20) {
            let trace = FirmwareTrace(sim.traceText)
            guard let start = trace.events.first(where: { $0.text == "state playing" }) else { return false }
            return trace.setpoints.contains { $0.time > start.time + 2_000_000 && $0.values[0] > 0 }
        }
        try #require(playing, "the play never got going; stderr:\n\(host.stderrSoFar)\ntrace:\n\(sim.traceText)")
        host.signal(SIGINT)
        let run = host.finish(within: 10)
        #expect(run.status == 130, "knead play ended with \(run.status); stderr:\n\(run.stderr)")
        #expect(try parseSummary(run.stdout)["deviceAtZero"] as? Bool == true, "summary: \(run.stdout)")
        _ = try sim.finished(expecting: 0)

        let trace = FirmwareTrace(sim.traceText)
        let stop = try #require(trace.events.first { $0.text == "stop" }, "no stop:\n\(sim.traceText)")
        func atZero(_ s: FirmwareTrace.Setpoint) -> Bool { s.values[0] == 0 && s.values[3] == 0 && s.values[4] == 0 }
        let atStop = try #require(trace.setpoints.last { $0.time <= stop.time + 1000 })
        #expect(atZero(atStop), "at the STOP (\(stop.time) µs): \(atStop.time) \(atStop.values)")
        let after = trace.setpoints.filter { $0.time > stop.time }
        #expect(after.allSatisfy(atZero), "a level above zero after the STOP: \(after.first { !atZero($0) }?.values ?? [])")
        // The host's ramp: from the last line still at a playing level to the zero.
        let lastPlaying = try #require(trace.setpoints.last { !atZero($0) && $0.time <= stop.time })
        let zero = try #require(trace.setpoints.first { atZero($0) && $0.time > lastPlaying.time })
        #expect(zero.time <= stop.time + 1000)
        print("firmware stop: levels at zero \(Int64(zero.time) - Int64(stop.time)) µs from the STOP event, "
              + "\(zero.time - lastPlaying.time) µs after the last playing level")
        #expect(zero.time - lastPlaying.time <= 1_000_000, "levels took \(zero.time - lastPlaying.time) µs to reach zero")
    }

    /// A SIGKILLed knead sim runs no cleanup: the kernel ends QEMU with it (setpriv's
    /// parent-death signal), so no board keeps running with nobody to stop it.
    @Test("knead sim --firmware killed with SIGKILL takes QEMU with it", .needsQEMU)
    func aKilledSimLeavesNoQEMU() throws {
        let folder = try temporaryFolder()
        _ = try FirmwareBoard.build()
        let sim = try FirmwareSim(faults: nil, in: folder)
        defer { sim.kill() }
        let pid = try #require(FirmwareSim.qemuPID(sim.process.stderrSoFar),
                               "no QEMU pid in: \(sim.process.stderrSoFar)")
        #expect(FirmwareSim.isRunning(pid))
        sim.process.signal(SIGKILL)
        _ = sim.process.finish(within: 10)
        let gone = sim.process.waitFor(seconds: 10) { !FirmwareSim.isRunning(pid) }
        #expect(gone, "QEMU (pid \(pid)) still runs after knead sim was killed")
        if !gone { _ = Glibc.kill(pid, SIGKILL) }
    }

    /// 1 % of the bytes each way have a bit flipped between host and board (the relay's
    /// `ByteFaultInjector`): the protocol's CRCs, acknowledgements and resends lose no
    /// setpoint. knead play exits 0 and the board's count of executed setpoints (the
    /// `# t executed N` line it writes at each change of state, docs/firmware.md) equals
    /// the `framesSent` of play's summary, as does its count of accepted ones.
    @Test("knead sim --firmware --fault noise=1%: every setpoint the host sent is executed by the board", .needsQEMU)
    func aNoisyLineLosesNoSetpoint() throws {
        let folder = try temporaryFolder()
        _ = try FirmwareBoard.build()
        let sim = try FirmwareSim(faults: "noise=1%", in: folder)
        defer { sim.kill() }
        let play = try playKnead(["play", Paths.pattern("desk-reset.yaml"), "--port", sim.link, "--device", "knead-chair",
                                  "--session-cap", "8s", "--json"], in: folder, within: 40)
        #expect(play.status == 0, "knead play ended with \(play.status); stderr:\n\(play.stderr)")
        let framesSent = try #require(try parseSummary(play.stdout)["framesSent"] as? Int)
        let relay = try sim.finished(expecting: 0)
        let flipped = try #require(relay["corruptedBytes"] as? Int)
        #expect(flipped > 10, "only \(flipped) bytes flipped")
        let trace = FirmwareTrace(sim.traceText)
        #expect(framesSent > 500)
        #expect(trace.count("accepted") == framesSent && trace.count("executed") == framesSent,
                "board accepted \(trace.count("accepted") ?? -1), executed \(trace.count("executed") ?? -1) of \(framesSent); trace events: \(trace.events.map(\.text))")
    }
}

/// `knead sim --firmware --link … --trace … --json` as a process: QEMU behind knead
/// sim's relay, the board's trace in `folder`.
final class FirmwareSim {
    let process: KneadProcess
    let link: String
    let traceURL: URL

    init(faults: String?, in folder: URL) throws {
        link = folder.appendingPathComponent("board").path
        traceURL = folder.appendingPathComponent("board-trace.txt")
        var arguments = ["sim", "--firmware", "--link", link, "--trace", traceURL.path, "--json"]
        if let faults { arguments += ["--fault", faults] }
        process = try KneadProcess(arguments, in: folder)
        let process = self.process
        let ready = process.waitFor(seconds: 60) { process.stdoutSoFar.contains("\n") }
        try #require(ready, "knead sim --firmware printed no path; stderr:\n\(process.stderrSoFar)")
    }

    var traceText: String { (try? String(contentsOf: traceURL, encoding: .utf8)) ?? "" }

    /// Waits for knead sim to end (the host closed the port) and checks that QEMU went
    /// with it; the JSON summary.
    func finished(expecting status: Int32) throws -> [String: Any] {
        let run = process.finish(within: 10)
        #expect(run.status == status, "knead sim ended with \(run.status); stderr:\n\(run.stderr)")
        var info = stat()
        #expect(lstat(link, &info) != 0, "knead sim left its link behind")
        let line = try #require(run.stdout.split(separator: "\n").last, "no summary: \(run.stdout)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        if let pid = Self.qemuPID(run.stderr) {
            #expect(!Self.isRunning(pid), "QEMU (pid \(pid)) still running after knead sim ended")
        }
        return summary
    }

    /// "… mps2-an386 (pid N, …" in knead sim's introduction.
    static func qemuPID(_ text: String) -> pid_t? {
        guard let range = text.range(of: "(pid ") else { return nil }
        return pid_t(text[range.upperBound...].prefix { $0.isNumber })
    }

    /// Alive, and not a zombie waiting for a parent that may never reap it.
    static func isRunning(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.range(of: ")", options: .backwards) else { return false }
        return stat[close.upperBound...].dropFirst().first != "Z"
    }

    /// In case a test failed half-way: nothing left running.
    func kill() {
        if process.process.isRunning {
            process.signal(SIGINT)
            if !process.waitFor(seconds: 5, { !process.process.isRunning }) { process.signal(SIGKILL) }
        }
    }
}

/// The board's setpoints against rendered frames (`FirmwareTests.theBoardFollowsTheRender`
/// says what and the tolerances): intensity on 256 steps, pressure on 64, x on 1024.
struct BoardComparison: CustomStringConvertible {
    var frames = 0
    var changes = 0
    var missing = 0
    var offset = 0.0
    var timeErrors: [Double] = []
    /// Share of compared frames whose clear steps the board had at the frame's time.
    var valueMatch = 0.0
    /// The largest step difference at a frame's time.
    var valueWorst = 0

    var timeP50: Double { TraceComparison.percentile(timeErrors.map(abs), 0.5) }
    var timeP99: Double { TraceComparison.percentile(timeErrors.map(abs), 0.99) }
    var timeMax: Double { timeErrors.map(abs).max() ?? 0 }

    var description: String {
        func ms(_ s: Double) -> String { String(format: "%.1f ms", s * 1000) }
        return "\(frames) frames, \(changes) changes, \(missing) missing; offset " + String(format: "%.4f s", offset)
            + "; time error |p50| \(ms(timeP50)), |p99| \(ms(timeP99)), max \(ms(timeMax)); values match "
            + String(format: "%.2f %%", valueMatch * 100) + ", worst \(valueWorst) steps"
    }

    init(render: CSVTable, trace: FirmwareTrace, from start: UInt64, to end: UInt64, period: Double) throws {
        let frameTime = try render.column("time")
        let intensity = try render.column("intensity"), pressure = try render.column("pressure"), x = try render.column("x")
        frames = frameTime.count
        typealias Steps = (intensity: Int?, pressure: Int?, x: Int?)
        let frameSteps: [Steps] = frameTime.indices.map {
            (TraceComparison.clearStep(min(1, max(0, intensity[$0])) * 255),
             TraceComparison.clearStep(min(1, max(0, pressure[$0])) * 63),
             TraceComparison.clearStep(min(1, max(0, x[$0])) * 1023))
        }
        // The board's setpoints, a row a millisecond from `start` to `end`.
        let rows = Int((end - start) / 1000) + 1
        var board: [(intensity: Int, pressure: Int, x: Int)] = []
        board.reserveCapacity(rows)
        var next = 0
        var current = (intensity: 0, pressure: 0, x: 0)
        let points = trace.setpoints
        for r in 0..<rows {
            let t = start + UInt64(r) * 1000
            while next < points.count && points[next].time <= t {
                current = (Int((Double(points[next].values[0]) / 65535 * 255).rounded()),
                           Int((Double(points[next].values[3]) / 65535 * 63).rounded()),
                           Int((Double(points[next].values[1]) / 65535 * 1023).rounded()))
                next += 1
            }
            board.append(current)
        }
        func row(at t: Double) -> Int { min(rows - 1, max(0, Int((t * 1000).rounded(.down)))) }
        func matches(_ r: Int, _ s: Steps) -> Bool {
            (s.intensity.map { $0 == board[r].intensity } ?? true) && (s.pressure.map { $0 == board[r].pressure } ?? true)
                && (s.x.map { $0 == board[r].x } ?? true)
        }
        func lag(of f: Int, around t: Double, before: Double, after: Double) -> Double? {
            var r = row(at: t - before)
            while r <= row(at: t + after) {
                if matches(r, frameSteps[f]) { return Double(r) / 1000 - t }
                r += 1
            }
            return nil
        }
        func differs(_ a: Int?, _ b: Int?) -> Bool { a != nil && b != nil && a != b }
        let changing = (1..<frames).filter {
            differs(frameSteps[$0].intensity, frameSteps[$0 - 1].intensity)
                || differs(frameSteps[$0].pressure, frameSteps[$0 - 1].pressure)
                || differs(frameSteps[$0].x, frameSteps[$0 - 1].x)
        }
        changes = changing.count
        // Line up: the first intensity, then the median lag of the changes.
        let firstFrame = try #require(frameSteps.firstIndex { ($0.intensity ?? 0) >= 1 }, "the frames never have intensity")
        let firstRow = try #require(board.firstIndex { $0.intensity >= 1 }, "the board never got intensity")
        let coarse = Double(firstRow) / 1000 - frameTime[firstFrame]
        let lags = changing.compactMap { lag(of: $0, around: frameTime[$0] + coarse, before: period / 2, after: 0.1) }
        offset = coarse + TraceComparison.percentile(lags, 0.5)
        for f in changing {
            if let error = lag(of: f, around: frameTime[f] + offset, before: period / 2, after: 2 * period) {
                timeErrors.append(error)
            } else {
                missing += 1
            }
        }
        // Values at each frame's time (just before the next frame: the board has taken it).
        var compared = 0, matched = 0
        for f in 0..<frames {
            let r = row(at: frameTime[f] + offset + period / 2)
            guard r > 0 && r < rows - 1 else { continue }
            compared += 1
            if matches(r, frameSteps[f]) { matched += 1 }
            let worst = max(frameSteps[f].intensity.map { abs($0 - board[r].intensity) } ?? 0,
                            frameSteps[f].pressure.map { abs($0 - board[r].pressure) } ?? 0,
                            frameSteps[f].x.map { abs($0 - board[r].x) } ?? 0)
            valueWorst = max(valueWorst, worst)
        }
        valueMatch = compared == 0 ? 0 : Double(matched) / Double(compared)
    }
}

extension FirmwareTrace {
    /// The value of the last `# t NAME N` event (the board's counters, docs/firmware.md).
    func count(_ name: String) -> Int? {
        events.last { $0.text.hasPrefix(name + " ") }.flatMap { Int($0.text.dropFirst(name.count + 1)) }
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

extension Trait where Self == ConditionTrait {
    /// Runs the test where qemu-system-arm is installed (CI installs it), and otherwise
    /// skips it saying so.
    static var needsQEMU: Self {
        .enabled(if: FirmwareBoard.qemu != nil, "qemu-system-arm is not installed (Debian: apt-get install qemu-system-arm)")
    }
}
