import ArgumentParser
import Foundation
import Synchronization
import KneadCore
import KneadSimulator

struct SimCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sim",
        abstract: "Stand in for a device on a virtual serial port (a pseudo-terminal).",
        discussion: """
            Creates a pseudo-terminal, prints the path to open on standard output, and
            serves the device side of --protocol on it with the simulator's physics until
            Ctrl-C: 'knead play PATTERN --port PATH --device sr6' (tcode) or
            '--device knead-chair' (kwp) plays on it as on a real port, and a terminal
            program can type TCode into it by hand.

            --link keeps a symlink at a path of your choice (replaced if it is a stale
            link, removed at the end). --pace takes and sends bytes at the baud rate's
            real speed (8N1: ten bits a byte), as a real line would. --fault injects
            faults, written as for 'knead play --fault' (times count from the host's
            first byte):
              noise=1%       each byte, either way, has a bit flipped with this chance
              corrupt=2%     each message from the host has a byte damaged (every:N too)
              drop=2%        each message from the host is lost (drop=every:5: every 5th)
              latency=5ms    the host's bytes arrive this much later
              stall=10s+2s   the device stops reading and acting for 2 s, 10 s in
              hangup=20s     the device hangs up 20 s in (then knead sim ends)
              mute           the device never answers
              seed=7         the generator behind every probability
            Separate several with commas: --fault noise=1%,stall=3s+500ms.

            On a terminal a live status line shows what the device does; otherwise each
            event is printed on standard error. The summary is printed at the end (one
            JSON object on standard output with --json).

            Exit codes: 130 Ctrl-C, 143 SIGTERM, 129 SIGHUP, 0 after the hangup fault;
            64 bad command line; 66/65 a device file missing or invalid; 71 no
            pseudo-terminal; 73 the trace or the link cannot be created.
            docs/sim.md has the details.

            Examples:
              knead sim --protocol tcode --link /tmp/knead-osr2
              knead sim --protocol kwp --device chair --pace --trace chair.csv
              knead sim --protocol kwp --fault noise=1%,hangup=20s
            """)

    @Option(name: .customLong("protocol"), help: ArgumentHelp("tcode (TCode v0.3) or kwp (the knead wire protocol).",
                                                              valueName: "tcode|kwp"))
    var servedProtocol: ServedProtocol

    @Option(help: ArgumentHelp("The simulated device: 'chair', 'handheld', another installed profile (osr2, "
                               + "knead-chair…) or a device profile file.", valueName: "chair|handheld|FILE"))
    var device: String = "chair"

    @Option(help: ArgumentHelp("The person's size: 'default' or a body profile file.", valueName: "default|FILE"))
    var body: String = "default"

    @Option(help: ArgumentHelp("Keep a symlink to the pseudo-terminal at PATH while serving.", valueName: "PATH"))
    var link: String?

    @Flag(help: "Take and send bytes at the baud rate's real speed (8N1: 10 bits a byte).")
    var pace = false

    @Option(help: ArgumentHelp("Baud rate for --pace (default: the profile's connection, else 115200).",
                               valueName: "BAUD"))
    var baud: Int?

    @Option(help: ArgumentHelp("Faults to inject, comma-separated: noise=1%, corrupt=2%, drop=every:5, latency=5ms, "
                               + "stall=10s+2s, hangup=20s, mute, seed=7.",
                               valueName: "SPEC"))
    var fault: String?

    @Option(help: ArgumentHelp("Write what the device did (csv, one row per --trace-interval and per event) to FILE.",
                               valueName: "FILE"))
    var trace: String?

    @Option(name: .customLong("trace-interval"),
            help: ArgumentHelp("Time between trace rows, e.g. 1ms or 10ms (default 10ms; 1ms is every device tick).",
                               valueName: "DURATION"))
    var traceInterval: String = "10ms"

    @Flag(help: "Print the summary at the end as one JSON object on standard output.")
    var json = false

    /// Below `knead play`'s engine (50), so a simulator on the same machine never holds
    /// up the host it stands in for, and above everything else (a build, a browser).
    static let realtimePriority: Int32 = 40

    func validate() throws {
        if let fault {
            do { _ = try ServeFaults.parse(fault) } catch { throw ValidationError("--fault: \(error)") }
        }
        if let baud, PtySpeeds.accepted.contains(baud) == false {
            throw ValidationError("--baud \(baud) is not a rate knead sim serves: use one of "
                                  + PtySpeeds.accepted.map(String.init).joined(separator: ", "))
        }
        if case let .failure(problem) = DurationArgument.parse(traceInterval) {
            throw ValidationError("--trace-interval: \(problem)")
        }
        if let trace, trace.isEmpty { throw ValidationError("--trace needs a file name") }
        if let link, link.isEmpty { throw ValidationError("--link needs a path") }
    }

    func run() throws {
        let profile = try DeviceChoice.resolve(device)
        let bodyProfile = try DeviceChoice.resolveBody(body)
        let faults = try fault.map { try ServeFaults.parse($0) } ?? .none
        let interval = (try? DurationArgument.parse(traceInterval).get()) ?? 0.01
        let baud = self.baud ?? profile.connection?.baud ?? 115_200

        var sink: FileTraceSink?
        if let trace {
            do {
                sink = try FileTraceSink(path: trace)
            } catch {
                Console.error("knead: error: \(error)\n")
                throw KneadExitCode.cannotCreate
            }
        }
        let configuration = PtyServer.Configuration(
            protocol: servedProtocol, profile: profile, body: bodyProfile, baud: baud, paced: pace,
            faults: faults, traceInterval: interval <= 0.001 ? nil : interval,
            realtimePriority: Self.realtimePriority)
        let server: PtyServer
        do {
            server = try PtyServer(configuration: configuration, trace: sink)
        } catch {
            Console.error("knead: error: \(error)\n")
            throw ExitCode(71)
        }
        let linked: PortLink?
        do {
            linked = try link.map { path throws(PortLink.Problem) in try PortLink(at: path, to: server.path) }
        } catch {
            Console.error("knead: error: \(error)\n")
            throw KneadExitCode.cannotCreate
        }
        defer { linked?.remove() }

        Console.output(server.path + "\n")
        Console.error(introduction(server: server, profile: profile, link: link, faults: faults))

        let received = StopSignal()
        let watcher = SignalWatcher(priority: nil, onStop: { stop in
            if case let .signal(number) = stop { received.store(number) }
            server.requestStop()
        }, onForce: { number in
            // A second signal while winding down: the person means it.
            linked?.remove()
            _exit(128 + number)
        })
        _ = watcher

        let display = SimDisplay(live: Console.isTerminal(2), environment: ProcessInfo.processInfo.environment)
        let report = server.run(onEvent: { display.show($0) },
                                onStatus: display.live ? { display.update($0) } : nil)
        display.finish()
        linked?.remove()

        Console.error(report.text)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            if let data = try? encoder.encode(report) {
                Console.output(String(decoding: data, as: UTF8.self) + "\n")
            }
        }
        if report.ending == "hung-up" { return }
        let signal = received.load()
        throw ExitCode(signal == 0 ? 130 : 128 + signal)
    }

    private func introduction(server: PtyServer, profile: DeviceProfile, link: String?, faults: ServeFaults) -> String {
        let name = servedProtocol == .tcode ? "TCode v0.3" : "the knead wire protocol"
        let port = link ?? server.path
        let hostProfile = servedProtocol == .tcode ? "sr6" : (profile.position == nil ? "knead-handheld" : "knead-chair")
        var text = "knead sim: serving \(name) as '\(profile.name)' on \(server.path)"
            + (link.map { " (link \($0))" } ?? "") + "\n"
        text += "  play on it:   knead play PATTERN --port \(port) --device \(hostProfile)\n"
        if servedProtocol == .tcode {
            text += "  type into it: socat - \(port),rawer   (then D1, V05, L09I2000, DSTOP; picocom and "
                + "screen: docs/sim.md)\n"
        }
        text += "  \(server.configuration.baud) baud, " + (pace ? "paced" : "not paced")
            + "; faults: \(faults.description)"
        if let trace {
            text += "; trace: \(trace) (time 0 = CLOCK_MONOTONIC "
                + String(format: "%.6f", server.clockOrigin) + " s)"
        }
        text += "\n  Ctrl-C to stop\n"
        return text
    }
}

extension ServedProtocol: ExpressibleByArgument {}

/// Baud rates the pseudo-terminal can be set to.
enum PtySpeeds {
    static let accepted = [9600, 19200, 38400, 57600, 115_200, 230_400, 460_800, 921_600]
}

/// The signal that stopped the simulator (0: none yet).
final class StopSignal: Sendable {
    private let value = Mutex<Int32>(0)
    func store(_ number: Int32) { value.withLock { if $0 == 0 { $0 = number } } }
    func load() -> Int32 { value.withLock { $0 } }
}

/// A symlink to the pseudo-terminal at a stable path: made (replacing a stale symlink,
/// never a file), removed at the end if it still points at this simulator's terminal.
final class PortLink: @unchecked Sendable {
    let path: String
    let target: String
    private let removed = Mutex<Bool>(false)

    struct Problem: Error, CustomStringConvertible {
        var description: String
    }

    init(at path: String, to target: String) throws(Problem) {
        self.path = path
        self.target = target
        var info = stat()
        if lstat(path, &info) == 0 {
            guard info.st_mode & S_IFMT == S_IFLNK else {
                throw Problem(description: "--link \(path) exists and is not a symlink: remove it or choose another path")
            }
        }
        // Made beside it and renamed over it, so the path never points nowhere.
        let temporary = path + ".knead-sim-\(getpid())"
        unlink(temporary)
        guard symlink(target, temporary) == 0 else {
            let reason = String(cString: strerror(errno))
            throw Problem(description: "cannot create the link \(path): \(reason) (does its folder exist and can you write there?)")
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw Problem(description: "cannot create the link \(path): \(reason)")
        }
    }

    /// Removes the link if it still leads to this simulator's terminal (idempotent).
    func remove() {
        removed.withLock { done in
            guard !done else { return }
            done = true
            var buffer = [CChar](repeating: 0, count: 4096)
            let length = readlink(path, &buffer, buffer.count - 1)
            guard length > 0 else { return }
            let current = String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if current == target { unlink(path) }
        }
    }
}

/// What `knead sim` shows on standard error: events as lines and, on a terminal, a
/// status line kept at the bottom.
final class SimDisplay {
    let live: Bool
    private var statusShown = false
    private var lastStatus: ServeStatus?

    init(live: Bool, environment: [String: String]) {
        self.live = live && environment["TERM"] != "dumb"
    }

    func show(_ event: ServeEvent) {
        clearStatus()
        Console.error("  " + ServeReport.formatTime(event.time) + "  " + event.text + "\n")
        if let lastStatus { update(lastStatus) }
    }

    func update(_ status: ServeStatus) {
        lastStatus = status
        guard live else { return }
        Console.error("\r\u{1B}[2K" + status.line(width: Self.width()))
        statusShown = true
    }

    func finish() {
        clearStatus()
    }

    private func clearStatus() {
        guard statusShown else { return }
        Console.error("\r\u{1B}[2K")
        statusShown = false
    }

    /// Columns of the terminal on standard error.
    static func width() -> Int {
        var size = winsize()
        if ioctl(2, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        return 80
    }
}

extension ServeReport {
    /// Seconds with three decimals, right-aligned for the event log.
    static func formatTime(_ seconds: Double) -> String {
        let text = format(seconds, 3) + " s"
        return String(repeating: " ", count: Swift.max(0, 10 - text.count)) + text
    }
}
