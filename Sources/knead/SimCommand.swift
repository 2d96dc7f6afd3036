import KneadSystem
import KneadPlayer
import ArgumentParser
import Foundation
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

            --link keeps a symlink at PATH while serving (a dangling one left by a crashed
            simulator is replaced; one leading to a live terminal is refused). --pace
            takes and sends bytes at the baud rate's real speed (8N1). --fault injects
            faults, as for 'knead play --fault', times counted from the host's first
            byte: noise=1%, corrupt=2%, drop=every:5, latency=5ms, stall=10s+2s,
            hangup=20s, mute, seed=7 (docs/sim.md says what each does).

            On a terminal a live status line shows what the device does; otherwise each
            event is printed on standard error. The summary is printed at the end (one
            JSON object on standard output with --json).

            Exit codes: 130 Ctrl-C, 143 SIGTERM, 129 SIGHUP, 0 after the hangup fault;
            64 bad command line; 66/65 a device file missing or invalid; 69 --link
            leads to a live simulator; 71 no pseudo-terminal; 73 the trace or the link
            cannot be created; 74 writing the trace failed (a full disk).
            docs/sim.md has the details.

            Examples:
              knead sim --protocol tcode --link /tmp/knead-sr6
              knead sim --protocol kwp --device chair --pace --trace chair.csv
              knead sim --protocol kwp --fault noise=1%,hangup=20s
              knead sim --firmware --link /tmp/knead-board --fault noise=1% --trace board.txt

            --firmware runs knead's reference firmware (Firmware/, docs/firmware.md) under
            qemu-system-arm in the simulator's place (building it first when missing or
            stale) and relays the port to its UART0 through --fault; --trace is then the
            board's UART1 trace (text). It ends when the host closes the port (exit 0),
            and QEMU with it. 69 when QEMU is not installed or the image cannot be built.
            """)

    @Option(name: .customLong("protocol"), help: ArgumentHelp("tcode (TCode v0.3) or kwp (the knead wire protocol).",
                                                              valueName: "tcode|kwp"))
    var servedProtocol: DeviceProtocol?

    @Flag(help: "Run the reference firmware under QEMU (mps2-an386) instead of the simulator (kwp, knead-chair).")
    var firmware = false

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
        if firmware {
            if let servedProtocol, servedProtocol != .kwp {
                throw ValidationError("--firmware serves kwp (the firmware is a knead wire protocol chair)")
            }
            if pace || baud != nil || body != "default" || device != "chair" || traceInterval != "10ms" {
                throw ValidationError("--firmware takes --link, --fault, --trace and --json only "
                                      + "(the board is the knead-chair firmware, at its own speed)")
            }
            if let fault {
                do { try FirmwareRelay.check(try ServeFaults.parse(fault)) } catch { throw ValidationError("\(error)") }
            }
            if let trace, trace.isEmpty { throw ValidationError("--trace needs a file name") }
            if let link, link.isEmpty { throw ValidationError("--link needs a path") }
            return
        }
        guard let servedProtocol else { throw ValidationError("Missing expected argument '--protocol <tcode|kwp>'") }
        guard servedProtocol.links.contains(.serial) else {
            throw ValidationError("--protocol \(servedProtocol.rawValue) is a USB device's; knead sim serves tcode or kwp "
                                  + "on a pseudo-terminal (Tests/Support/usb-mock emulates the USB devices)")
        }
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
        if firmware { return try runFirmware() }
        guard let servedProtocol else { throw ExitCode(64) }
        let profile = try DeviceChoice.resolve(device)
        let faults = try fault.map { try ServeFaults.parse($0) } ?? .none
        let interval = (try? DurationArgument.parse(traceInterval).get()) ?? 0.01
        let configuration = PtyServer.Configuration(
            protocol: servedProtocol, profile: profile, body: try DeviceChoice.resolveBody(body),
            baud: baud ?? profile.connection?.baud ?? 115_200, paced: pace, faults: faults,
            traceInterval: interval <= 0.001 ? nil : interval, realtimePriority: Self.realtimePriority)
        let simulator: SimServer
        do {
            simulator = try SimServer(options: .init(server: configuration, tracePath: trace, linkPath: link))
        } catch {
            Console.error("knead: error: \(error)\n")
            throw ExitCode(error.exitCode)
        }
        Console.output(simulator.server.path + "\n")
        Console.error(simulator.introduction())

        let received = StopSignal()
        let watcher = SignalWatcher(priority: nil) { stop, earlier in
            guard case let .signal(number) = stop else { return }
            guard earlier == 0 else {
                // A second signal while winding down: the person means it.
                simulator.removeLink()
                _exit(128 + number)
            }
            received.store(number)
            simulator.requestStop()
        }
        _ = watcher

        let live = Console.isTerminal(2) && ProcessInfo.processInfo.environment["TERM"] != "dumb"
        let outcome = simulator.run(live: live, write: { Console.error($0) })
        Console.error(outcome.text)
        if json { Console.output(outcome.json + "\n") }
        let code = outcome.exitCode(signal: received.load())
        if code != 0 { throw ExitCode(code) }
    }
}

extension SimCommand {
    /// `--firmware`: QEMU and the relay (FirmwareRelay.swift) instead of the simulator.
    func runFirmware() throws {
        let relay: FirmwareRelay
        let size: String
        do {
            guard let qemu = FirmwareRelay.findQEMU() else { throw FirmwareRelay.Failure.noQEMU }
            guard let tree = FirmwareRelay.sourceTree() else { throw FirmwareRelay.Failure.noSourceTree }
            let built = try FirmwareRelay.buildImage(in: tree)
            size = built.size
            let faults = try fault.map { try ServeFaults.parse($0) } ?? .none
            relay = try FirmwareRelay(options: .init(qemu: qemu, image: built.image, tracePath: trace, linkPath: link,
                                                     faults: faults))
        } catch let failure as FirmwareRelay.Failure {
            Console.error("knead: error: \(failure)\n")
            throw ExitCode(failure.exitCode)
        }
        Console.output(relay.path + "\n")
        Console.error(relay.introduction(size: size))

        let received = StopSignal()
        let watcher = SignalWatcher(priority: nil) { stop, earlier in
            guard case let .signal(number) = stop else { return }
            guard earlier == 0 else {
                relay.abort()
                _exit(128 + number)
            }
            received.store(number)
            relay.requestStop()
        }
        _ = watcher
        let report = relay.run(onEvent: { Console.error("knead sim: " + $0 + "\n") })
        Console.error(report.text)
        if json { Console.output(report.json + "\n") }
        let code = report.exitCode(signal: received.load())
        if code != 0 { throw ExitCode(code) }
    }
}

extension DeviceProtocol: ExpressibleByArgument {}

/// Baud rates the pseudo-terminal can be set to.
enum PtySpeeds {
    static let accepted = [9600, 19200, 38400, 57600, 115_200, 230_400, 460_800, 921_600]
}

/// The signal that stopped the simulator (0: none yet).
final class StopSignal: Sendable {
    private let value = Locked<Int32>(0)
    func store(_ number: Int32) { value.withLock { if $0 == 0 { $0 = number } } }
    func load() -> Int32 { value.withLock { $0 } }
}
