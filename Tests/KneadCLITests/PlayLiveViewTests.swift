import KneadSystem
import Foundation
import Synchronization
import Testing

/// `knead play` in a terminal: a pseudo-terminal stands in for the person's window,
/// so the live view, the keys and the terminal's restoration are tested as a person
/// meets them.
extension PlayTests {
    @Suite("live view in a terminal")
    struct LiveView {
        @Test("q stops: exit 130, cause q, the terminal is put back")
        func quitKey() throws {
            let run = try PseudoTerminalPlay.run(fixture: PlayFixtures.long) { terminal in
                terminal.type("q")
            }
            #expect(run.status == 130, "output: \(run.plainText.suffix(800))")
            #expect(run.summary?["cause"] as? String == "q")
            #expect(run.summary?["deviceAtZero"] as? Bool == true)
            run.expectTerminalRestored()
        }

        @Test("Ctrl-\\ (SIGQUIT) is a way out: exit 131, cause SIGQUIT, no crash report, the terminal put back")
        func quitSignal() throws {
            let run = try PseudoTerminalPlay.run(fixture: PlayFixtures.long) { terminal in
                terminal.waitForScreen("played")
                // What the terminal sends for Ctrl-\\ (this pseudo-terminal is not the
                // process's controlling terminal, so the signal is sent directly).
                if let pid = terminal.process?.processIdentifier { kill(pid, SIGQUIT) }
            }
            #expect(run.status == 131, "output: \(run.plainText.suffix(800))")
            #expect(run.summary?["cause"] as? String == "SIGQUIT")
            #expect(run.summary?["wayOut"] as? String == "ramp")
            #expect(run.summary?["deviceAtZero"] as? Bool == true)
            #expect(!run.plainText.contains("Press space to interact"))
            #expect(!run.plainText.contains("Crash"))
            run.expectTerminalRestored()
        }

        @Test("Esc on its own stops, exit 130, cause esc; an arrow key's escape sequence does not")
        func escapeKey() throws {
            let run = try PseudoTerminalPlay.run(fixture: PlayFixtures.long) { terminal in
                terminal.type("\u{1B}[B")  // ↓: the cap down by 10 %, not a stop
                terminal.waitForScreen("your cap", " 90%")
                terminal.type("\u{1B}")
            }
            #expect(run.status == 130)
            #expect(run.summary?["cause"] as? String == "esc")
            let cap = run.summary?["maxIntensityPercent"] as? Double
            #expect(cap == 90)
            run.expectTerminalRestored()
        }

        @Test("+ and - move the person's cap by 10 %, space pauses (the pattern clock holds) and resumes")
        func capAndPauseKeys() throws {
            let run = try PseudoTerminalPlay.run(fixture: PlayFixtures.long, arguments: ["--max-intensity", "50"]) { terminal in
                terminal.type("-")
                terminal.waitForScreen("your cap", " 40%")
                terminal.type("-")
                terminal.waitForScreen("your cap", " 30%")
                terminal.type("+")
                terminal.waitForScreen("your cap", " 40%")
                terminal.type(" ")
                terminal.waitForScreen("paused: space resumes", "space resume")
                // That the pattern's clock holds while paused is shown exactly on a virtual
                // clock (KneadPlayerTests); here, that the keys reach the player.
                let before = terminal.playedTime ?? -1
                terminal.type(" ")
                terminal.waitForScreen("space pause")
                terminal.waitForPlayedTime { $0 > before + 2 }
                terminal.type("q")
            }
            #expect(run.status == 130)
            let cap = run.summary?["maxIntensityPercent"] as? Double
            #expect(cap == 40)
            run.expectTerminalRestored()
        }

        @Test("The live view shows progress, step, technique, zone, meters and the map")
        func liveViewContent() throws {
            let run = try PseudoTerminalPlay.run(fixture: PlayFixtures.long) { terminal in
                terminal.waitForScreen("step 1 of 2", "warm-up")
                terminal.type("q")
            }
            let text = run.plainText
            for expected in ["knead ▸ Long test", "chair (simulator) ×20", "played", "left of 3:07",
                             "step 1 of 2", "warm-up", "paraspinal", "intensity ▕", "% asked", "% device",
                             "pressure  ▕", "your cap  ▕", "space pause · + / - cap ±10% · q stop", "●"] {
                #expect(text.contains(expected), "the live view shows '\(expected)'")
            }
            // The map: Braille outline and the spine's vertebrae.
            #expect(text.unicodeScalars.contains { (0x2801...0x28FF).contains($0.value) })
            #expect(!run.raw.contains("\u{1B}[3"), "NO_COLOR: no colour sequences")
            run.expectTerminalRestored()
        }

        @Test("SIGINT and SIGTERM with the live view up restore the terminal too", arguments: [SIGINT, SIGTERM])
        func signalsRestoreTerminal(signal: Int32) throws {
            let run = try PseudoTerminalPlay.run(fixture: PlayFixtures.long) { terminal in
                terminal.signal(signal)
            }
            #expect(run.status == 128 + signal)
            #expect(run.summary?["deviceAtZero"] as? Bool == true)
            run.expectTerminalRestored()
        }

        @Test("Played to the end in a terminal: exit 0, terminal restored")
        func endOfPattern() throws {
            let run = try PseudoTerminalPlay.run(fixture: PlayFixtures.short) { _ in }
            #expect(run.status == 0)
            #expect(run.summary?["outcome"] as? String == "done")
            run.expectTerminalRestored()
        }
    }
}

/// One `knead play --json --time-scale 20` on a pseudo-terminal (stdin, stdout and
/// stderr all the terminal), driven by `script` once the live view is up.
struct PseudoTerminalPlay {
    var status: Int32
    /// Everything the program wrote to the terminal.
    var raw: String
    /// Terminal modes after the program ended.
    var localModes: tcflag_t
    var summary: [String: Any]?

    /// The output with escape sequences taken out.
    var plainText: String {
        raw.replacingOccurrences(of: "\u{1B}\\[[0-9;?]*[A-Za-z]", with: "", options: .regularExpression)
    }

    static let enter = "\u{1B}[?1049h"
    static let leave = "\u{1B}[?1049l"

    func expectTerminalRestored(sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(localModes & tcflag_t(ICANON) != 0, "canonical mode back on", sourceLocation: sourceLocation)
        #expect(localModes & tcflag_t(ECHO) != 0, "echo back on", sourceLocation: sourceLocation)
        let lastEnter = raw.range(of: Self.enter, options: .backwards)
        let lastLeave = raw.range(of: Self.leave, options: .backwards)
        #expect(lastEnter != nil, "the live view used the alternate screen", sourceLocation: sourceLocation)
        if let lastEnter, let lastLeave {
            #expect(lastLeave.lowerBound > lastEnter.lowerBound, "left the alternate screen", sourceLocation: sourceLocation)
            #expect(raw[lastLeave.lowerBound...].count < raw.count, sourceLocation: sourceLocation)
            #expect(raw[lastEnter.upperBound...].contains("\u{1B}[?25h"), "cursor shown again", sourceLocation: sourceLocation)
        } else {
            Issue.record("never left the alternate screen", sourceLocation: sourceLocation)
        }
    }

    static func run(fixture: String, arguments: [String] = [],
                    script: (PseudoTerminal) -> Void) throws -> PseudoTerminalPlay {
        let directory = try temporaryFolder()
        let pattern = try PlayFixtures.write(fixture, named: "pattern.yaml", in: directory)
        let terminal = try PseudoTerminal(columns: 100, rows: 30)
        guard let binary = Paths.knead else { throw MissingBinary() }
        let process = Process()
        process.executableURL = binary
        process.arguments = ["play", pattern, "--time-scale", "20", "--json"] + arguments
        process.currentDirectoryURL = directory
        var environment = ProcessInfo.processInfo.environment
        environment["NO_COLOR"] = "1"
        environment["TERM"] = "xterm-256color"
        environment["LANG"] = "C.UTF-8"
        process.environment = environment
        let handle = FileHandle(fileDescriptor: terminal.replica, closeOnDealloc: false)
        process.standardInput = handle
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        terminal.process = process

        // The live view is up once the first frame is drawn.
        terminal.waitForScreen("space pause")
        script(terminal)
        let deadline = Date().addingTimeInterval(20)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            Issue.record("knead did not end within 20 s; killing it")
            kill(process.processIdentifier, SIGKILL)
        }
        process.waitUntilExit()
        usleep(100_000)  // the last bytes through the terminal
        let raw = terminal.finish()
        var modes = termios()
        tcgetattr(terminal.replica, &modes)
        var summary: [String: Any]?
        // The JSON summary is printed after the alternate screen was left.
        let afterView = raw.range(of: Self.leave, options: .backwards).map { String(raw[$0.upperBound...]) } ?? raw
        if let line = afterView.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).last(where: { $0.hasPrefix("{") }),
           let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] {
            summary = object
        }
        if summary == nil { Issue.record("no JSON summary in the output: \(raw.suffix(600))") }
        return PseudoTerminalPlay(status: process.terminationStatus, raw: raw, localModes: modes.c_lflag,
                                  summary: summary)
    }
}

/// A pseudo-terminal pair: the program gets the replica side, the test reads and
/// types on the main side (a reader thread keeps it drained so the program never blocks).
final class PseudoTerminal: @unchecked Sendable {
    let main: Int32
    let replica: Int32
    var process: Process?
    private let output = Locked<[UInt8]>([])
    private let done = Atomic<Bool>(false)
    private var reader: Thread?

    init(columns: UInt16, rows: UInt16) throws {
        main = open("/dev/ptmx", O_RDWR | O_NOCTTY)
        guard main >= 0, Self.grantpt(main) == 0, Self.unlockpt(main) == 0, let name = Self.ptsname(main) else {
            throw POSIXError(.ENODEV)
        }
        replica = open(name, O_RDWR | O_NOCTTY)
        guard replica >= 0 else { throw POSIXError(.ENODEV) }
        var size = winsize(ws_row: rows, ws_col: columns, ws_xpixel: 0, ws_ypixel: 0)
        _ = ioctl(main, UInt(TIOCSWINSZ), &size)
        let thread = Thread { [self] in
            var buffer = [UInt8](repeating: 0, count: 65536)
            while !done.load(ordering: .acquiring) {
                var descriptor = pollfd(fd: main, events: Int16(POLLIN), revents: 0)
                guard poll(&descriptor, 1, 20) > 0 else { continue }
                let count = read(main, &buffer, buffer.count)
                if count > 0 { output.withLock { $0 += buffer[0..<count] } }
            }
        }
        thread.start()
        reader = thread
    }

    // grantpt, unlockpt and ptsname are in every libc but not in the Glibc module
    // (they need _XOPEN_SOURCE): looked up at run time.
    private typealias IntFunction = @convention(c) (Int32) -> Int32
    private typealias NameFunction = @convention(c) (Int32) -> UnsafeMutablePointer<CChar>?
    private static func libc<T>(_ name: String, as type: T.Type) -> T? {
        dlsym(UnsafeMutableRawPointer(bitPattern: 0), name).map { unsafeBitCast($0, to: type) }
    }
    private static func grantpt(_ fd: Int32) -> Int32 { libc("grantpt", as: IntFunction.self)?(fd) ?? -1 }
    private static func unlockpt(_ fd: Int32) -> Int32 { libc("unlockpt", as: IntFunction.self)?(fd) ?? -1 }
    private static func ptsname(_ fd: Int32) -> String? {
        libc("ptsname", as: NameFunction.self)?(fd).map { String(cString: $0) }
    }

    var text: String { output.withLock { String(decoding: $0, as: UTF8.self) } }

    func type(_ keys: String) {
        var bytes = Array(keys.utf8)
        _ = write(main, &bytes, bytes.count)
    }

    func signal(_ signal: Int32) {
        if let process { kill(process.processIdentifier, signal) }
    }

    /// Waits (up to 10 s) until the output since the last screen redraw shows all of `texts`.
    func waitForScreen(_ texts: String..., sourceLocation: SourceLocation = #_sourceLocation) {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            let screen = lastScreen
            if texts.allSatisfy({ screen.contains($0) }) { return }
            if process?.isRunning == false { break }
            usleep(20_000)
        }
        Issue.record("the screen never showed \(texts): \(lastScreen.suffix(1500))", sourceLocation: sourceLocation)
    }

    /// Seconds played, as the live view's second line says (`1:23 played`).
    var playedTime: Int? {
        guard let match = lastScreen.firstMatch(of: /(\d+):(\d\d) played/) else { return nil }
        return Int(match.1)! * 60 + Int(match.2)!
    }

    /// Waits (up to 10 s) until the played time satisfies `condition`.
    func waitForPlayedTime(_ condition: (Int) -> Bool, sourceLocation: SourceLocation = #_sourceLocation) {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if let time = playedTime, condition(time) { return }
            usleep(20_000)
        }
        Issue.record("the played time never got there: \(playedTime.map(String.init) ?? "none")",
                     sourceLocation: sourceLocation)
    }

    /// The last full frame of the live view (from the last cursor-home), without escapes.
    private var lastScreen: String {
        let all = text
        let frames = all.components(separatedBy: "\u{1B}[H")
        let last = frames.count > 1 ? frames[frames.count - 1] : all
        let previous = frames.count > 2 ? frames[frames.count - 2] : ""
        // A frame may be caught half written: look at the last two.
        return (previous + last).replacingOccurrences(of: "\u{1B}\\[[0-9;?]*[A-Za-z]", with: "", options: .regularExpression)
    }

    /// Stops reading and returns everything the program wrote.
    func finish() -> String {
        done.store(true, ordering: .releasing)
        while reader?.isFinished == false { usleep(5_000) }
        return text
    }

    deinit {
        close(main)
        close(replica)
    }
}
