import Foundation
import KneadCore
import KneadSystem
import Synchronization

/// `knead sim --firmware`: the reference firmware (Firmware/, docs/firmware.md) under
/// QEMU's mps2-an386 board stands in for the simulator. knead sim keeps its own
/// pseudo-terminal (the one `--link` points at) and relays bytes between it and QEMU's
/// UART0 pseudo-terminal through the simulator's `ByteFaultInjector`, so `--fault`
/// damages the line between host and board as it does for the simulated device. UART1,
/// the board's trace of applied setpoints, goes to a file.
///
/// The relay holds QEMU's terminal open for its whole life: QEMU notices a newly opened
/// terminal only on a once-a-second poll. It ends on `requestStop` (Ctrl-C), when the
/// host closes the port after having opened it, on the hangup fault, or when QEMU
/// exits; QEMU is killed (SIGKILL: a child may have inherited a blocked SIGTERM) before
/// `run` returns.
public final class FirmwareRelay: @unchecked Sendable {
    public struct Options: Sendable {
        public var qemu: String
        public var image: String
        /// UART1's trace; a temporary file (removed at the end) when nil.
        public var tracePath: String?
        public var linkPath: String?
        public var faults: ServeFaults
        public var baud: Int

        public init(qemu: String, image: String, tracePath: String? = nil, linkPath: String? = nil,
                    faults: ServeFaults = .none, baud: Int = 115_200) {
            self.qemu = qemu
            self.image = image
            self.tracePath = tracePath
            self.linkPath = linkPath
            self.faults = faults
            self.baud = baud
        }
    }

    /// Why the board could not be started, each with its exit code (sysexits).
    public enum Failure: Error, CustomStringConvertible {
        case noQEMU
        case noSourceTree
        case build(output: String, toolchainMissing: Bool)
        case unsupportedFault(String)
        case trace(String)
        case terminal(String)
        case link(PortLink.Problem)
        case qemu(String)

        public var description: String {
            switch self {
            case .noQEMU:
                return "qemu-system-arm is not installed: apt-get install qemu-system-arm"
            case .noSourceTree:
                return "--firmware needs knead's source tree (scripts/build-firmware, Firmware/): run knead sim from a "
                    + "checkout, or from the knead it builds"
            case let .build(output, toolchainMissing):
                let tail = output.split(separator: "\n").suffix(12).joined(separator: "\n")
                return (toolchainMissing
                        ? "the firmware image is missing or stale and this Swift toolchain cannot build it; build it "
                            + "with a Swift 6 toolchain that has Embedded Swift: scripts/build-firmware"
                        : "building the firmware failed (scripts/build-firmware):") + "\n" + tail
            case let .unsupportedFault(text): return "--fault \(text)"
            case let .trace(text): return text
            case let .terminal(text): return text
            case let .link(problem): return problem.description
            case let .qemu(text): return text
            }
        }

        public var exitCode: Int32 {
            switch self {
            case .noQEMU: return 69          // EX_UNAVAILABLE
            case .noSourceTree: return 66    // EX_NOINPUT
            case .build: return 69
            case .unsupportedFault: return 64
            case .trace: return 73           // EX_CANTCREAT
            case .terminal: return 71        // EX_OSERR
            case let .link(problem):
                if case .inUse = problem.kind { return 69 }
                return 73
            case .qemu: return 70            // EX_SOFTWARE
            }
        }
    }

    public let options: Options
    /// knead sim's own terminal: the path a host opens (or the link to it).
    public let path: String
    public let link: PortLink?
    /// QEMU's terminal for UART0.
    public private(set) var boardPath: String
    public let tracePath: String
    public let qemuProcess: Int32
    private let temporaryTrace: Bool
    private let terminal: PseudoTerminal
    private let presence: HostPresence
    private let process: Process
    private let console: Int32
    private var consoleText = ""
    private var board: Int32
    private let wake: WakePipe?
    private let stopping = Atomic<Bool>(false)
    private let origin = MonotonicTime.nanoseconds()

    // MARK: Finding and building

    /// qemu-system-arm on PATH.
    public static func findQEMU(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        findOnPath("qemu-system-arm", environment: environment)
    }

    static func findOnPath(_ name: String, environment: [String: String]) -> String? {
        let path = environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// The source tree that holds scripts/build-firmware: above the working directory,
    /// else above the running executable (.build/debug/knead).
    public static func sourceTree() -> URL? {
        var starts = [URL(fileURLWithPath: FileManager.default.currentDirectoryPath)]
        if let executable = Bundle.main.executableURL?.resolvingSymlinksInPath() {
            starts.append(executable.deletingLastPathComponent())
        }
        for start in starts {
            var folder = start.standardizedFileURL
            while true {
                if FileManager.default.isExecutableFile(atPath: folder.appendingPathComponent("scripts/build-firmware").path),
                   FileManager.default.fileExists(atPath: folder.appendingPathComponent("Firmware").path) {
                    return folder
                }
                let parent = folder.deletingLastPathComponent()
                if parent.path == folder.path { break }
                folder = parent
            }
        }
        return nil
    }

    /// Runs scripts/build-firmware (which skips an up-to-date image); the image's path and
    /// the script's size line.
    public static func buildImage(in tree: URL) throws(Failure) -> (image: String, size: String) {
        let process = Process()
        process.executableURL = tree.appendingPathComponent("scripts/build-firmware")
        process.currentDirectoryURL = tree
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch {
            throw .build(output: "\(error)", toolchainMissing: false)
        }
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw .build(output: text, toolchainMissing: process.terminationStatus == 2)
        }
        let size = text.split(separator: "\n").last { $0.contains("flash") }.map(String.init) ?? ""
        return (tree.appendingPathComponent("Firmware/.build/knead-firmware.elf").path, size)
    }

    /// The faults a relay can inject: those on the line (noise, corrupt, drop, latency,
    /// mute, hangup=T, seed). The rest act inside a simulated device.
    public static func check(_ faults: ServeFaults) throws(Failure) {
        var refused: [String] = []
        if !faults.stalls.isEmpty { refused.append("stall") }
        if faults.clockDrift != 0 { refused.append("drift") }
        if faults.identify != nil { refused.append("identify") }
        if faults.hangUpOnStop { refused.append("hangup=stop") }
        if !refused.isEmpty {
            throw .unsupportedFault(refused.joined(separator: ", ") + ": not with --firmware (the board runs its "
                                    + "own firmware; the relay injects noise, corrupt, drop, latency, mute, hangup=T)")
        }
    }

    // MARK: Starting

    /// Makes the terminal and the link, starts QEMU, opens its UART0 terminal and waits
    /// for the firmware's banner on UART1. Call it on a thread that lives as long as the
    /// relay (a main thread): QEMU is killed when that thread ends.
    public init(options: Options) throws(Failure) {
        self.options = options
        try Self.check(options.faults)
        if let given = options.tracePath {
            tracePath = given
            temporaryTrace = false
        } else {
            tracePath = URL(fileURLWithPath: NSTemporaryDirectory())
                .appendingPathComponent("knead-firmware-trace-\(getpid()).txt").path
            temporaryTrace = true
        }
        guard FileManager.default.createFile(atPath: tracePath, contents: nil) else {
            throw .trace("cannot create the trace \(tracePath)")
        }
        let created: PseudoTerminal
        do {
            created = try PseudoTerminal(baud: options.baud)
        } catch {
            throw .terminal(error.description)
        }
        let slavePath = created.path
        terminal = created
        path = slavePath
        presence = HostPresence(path: slavePath)
        wake = WakePipe()
        do {
            link = try options.linkPath.map { linkPath throws(PortLink.Problem) in try PortLink(at: linkPath, to: slavePath) }
        } catch {
            created.close()
            throw .link(error)
        }

        process = Process()
        // A comma in a chardev path is written twice.
        let traceArgument = "file:" + tracePath.replacingOccurrences(of: ",", with: ",,")
        let qemuArguments = ["-M", "mps2-an386", "-nographic", "-monitor", "none",
                             "-serial", "pty", "-serial", traceArgument, "-kernel", options.image]
        // QEMU must not outlive knead sim, even a SIGKILLed one that runs no cleanup:
        // setpriv (util-linux) asks the kernel to SIGKILL it when the thread that started
        // it ends, then execs QEMU under the same pid. knead sim starts it on its main
        // thread, so that is when the process ends.
        if let setpriv = Self.findOnPath("setpriv", environment: ProcessInfo.processInfo.environment) {
            process.executableURL = URL(fileURLWithPath: setpriv)
            process.arguments = ["--pdeathsig", "KILL", "--", options.qemu] + qemuArguments
        } else {
            process.executableURL = URL(fileURLWithPath: options.qemu)
            process.arguments = qemuArguments
        }
        process.standardInput = FileHandle.nullDevice
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        do { try process.run() } catch {
            link?.remove()
            terminal.close()
            throw .qemu("cannot start \(options.qemu): \(error)")
        }
        qemuProcess = process.processIdentifier
        console = dup(pipe.fileHandleForReading.fileDescriptor)
        Descriptor.setNonBlocking(console)
        Descriptor.setCloseOnExec(console)
        board = -1
        boardPath = ""

        // "char device redirected to /dev/pts/N (label serial0)"
        let deadline = MonotonicTime.nanoseconds() + 10_000_000_000
        var found: String?
        while found == nil && MonotonicTime.nanoseconds() < deadline {
            _ = Poll.wait(for: [.readable], on: console, timeoutMilliseconds: 100)
            readConsole()
            if let range = consoleText.range(of: "/dev/pts/") {
                let tail = consoleText[range.lowerBound...]
                let name = tail.prefix { !$0.isWhitespace }
                if name.count > "/dev/pts/".count, tail.dropFirst(name.count).first?.isWhitespace == true {
                    found = String(name)
                }
            }
            if !process.isRunning { break }
        }
        guard let found else {
            abandon()
            throw .qemu("QEMU gave no pseudo-terminal for UART0:\n" + consoleText)
        }
        boardPath = found
        switch Descriptor.openTerminalDevice(found) {
        case let .success(descriptor): board = descriptor
        case let .failure(failure):
            abandon()
            throw .qemu("cannot open QEMU's terminal \(found): \(failure)")
        }
        PseudoTerminalPair.makeRaw(board, baud: nil)

        // The firmware runs once its banner is in the trace.
        let traceURL = URL(fileURLWithPath: tracePath)
        var booted = false
        while !booted && MonotonicTime.nanoseconds() < deadline && process.isRunning {
            booted = ((try? Data(contentsOf: traceURL)).map { String(decoding: $0, as: UTF8.self) } ?? "")
                .contains("knead-firmware")
            if !booted { _ = Poll.wait([], timeoutMilliseconds: 20) }
        }
        guard booted else {
            readConsole()
            abandon()
            throw .qemu("the firmware wrote no banner on UART1 (\(tracePath)):\n" + consoleText)
        }
    }

    deinit {
        endQEMU()
        if board >= 0 { Descriptor.close(board) }
        Descriptor.close(console)
        terminal.close()
    }

    private func abandon() {
        endQEMU()
        link?.remove()
        terminal.close()
        if temporaryTrace { try? FileManager.default.removeItem(atPath: tracePath) }
    }

    /// SIGKILL: QEMU may have inherited a blocked SIGTERM, and the board has nothing to save.
    private func endQEMU() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// For a handler that must exit at once: QEMU killed, the link removed.
    public func abort() {
        kill(qemuProcess, SIGKILL)
        link?.remove()
    }

    /// Ends `run` soon. Any thread; signal handlers excepted.
    public func requestStop() {
        stopping.store(true, ordering: .releasing)
        wake?.wake()
    }

    /// The path a host opens: the link if there is one, else the terminal.
    public var port: String { link?.path ?? path }

    private func readConsole() {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while case let .moved(count) = buffer.withUnsafeMutableBytes({ Descriptor.read(console, into: $0) }), count > 0 {
            if consoleText.utf8.count < 65_536 { consoleText += String(decoding: buffer[0..<count], as: UTF8.self) }
        }
    }

    private func now() -> Double { Double(MonotonicTime.nanoseconds() &- origin) / 1e9 }

    /// What `knead sim --firmware` prints on standard error before relaying.
    public func introduction(size: String) -> String {
        var text = ""
        if let note = link?.note { text += "knead sim: note: \(note)\n" }
        text += "knead sim: the reference firmware on QEMU mps2-an386 (pid \(qemuProcess), UART0 \(boardPath)), "
            + "relayed on \(path)" + (link.map { " (link \($0.path))" } ?? "") + "\n"
        if !size.isEmpty { text += "  \(size.replacingOccurrences(of: "build-firmware: ", with: "image: "))\n" }
        text += "  play on it:   knead play PATTERN --port \(port) --device knead-chair\n"
        text += "  \(options.baud) baud, paced (as a real UART); faults: \(options.faults.description); board trace (UART1): \(tracePath)"
            + (temporaryTrace ? " (removed at the end; --trace FILE keeps it)" : "") + "\n"
        return text + "  Ctrl-C to stop (or close the port)\n"
    }

    // MARK: Relaying

    /// Relays until a stop, the host's hang-up, the hangup fault or QEMU's end; kills
    /// QEMU and removes the link before returning. Events go to `onEvent` as lines.
    public func run(onEvent: (String) -> Void = { _ in }) -> FirmwareRelayReport {
        let faults = options.faults
        var injector = ByteFaultInjector(faults: faults, endings: DeviceProtocol.kwp.messageEndings)
        // Paced at the line's baud rate, as a real UART: QEMU takes bytes faster than
        // that (about 16 KB/s, one per turn of its main loop) but its terminal buffers
        // some 21 KB unseen, over a second of it. Unpaced, a host's go-back resends pile
        // up there whenever QEMU is held up, the round trip grows past the resend
        // timeout and the resends feed on themselves.
        var inbound = LinkPacer(baud: options.baud)
        var toBoard: [UInt8] = []
        var toHost: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        var report = FirmwareRelayReport(ending: .stopped, image: options.image, qemu: options.qemu, boardPath: boardPath,
                                         path: path, trace: temporaryTrace ? nil : tracePath,
                                         faults: faults.description)
        var firstHostByte: Double?
        var hostLeftAt: Double?
        var boardGone = false
        func event(_ text: String) { onEvent(String(format: "%8.3f  ", now()) + text) }

        loop: while true {
            let time = now()
            if stopping.load(ordering: .acquiring) { report.ending = .stopped; break }
            for change in presence.changes() {
                switch change {
                case let .opened(count):
                    report.hostConnections += 1
                    hostLeftAt = nil
                    if count == 1 { event("a host opened the port") }
                case .closed(count: 0):
                    event("the host closed the port")
                    hostLeftAt = time
                case .closed:
                    break
                }
            }
            let hostPresent = !presence.isWatching || presence.openCount > 0
            // The host has gone (a moment's grace for one that reopens at once) and
            // what it wrote has crossed.
            if let left = hostLeftAt, !hostPresent, time - left >= 0.2, inbound.pendingCount == 0, toBoard.isEmpty {
                report.ending = .hostLeft
                break
            }
            if let first = firstHostByte, let hangUp = faults.hangUpAt, time - first >= hangUp {
                event("hung up, \(ServeFaults.duration(hangUp)) after the host's first byte (fault injection)")
                report.ending = .hungUp
                break
            }

            // Host → board.
            while inbound.pendingCount < 4096, let count = terminal.read(into: &buffer), count > 0 {
                inbound.enqueue(buffer[0..<count], seenAt: time + faults.latency)
                report.bytesFromHost += count
                if firstHostByte == nil {
                    firstHostByte = time
                    if !faults.isEmpty { event("first byte from the host: fault times count from here") }
                }
            }
            if let arrived = inbound.release(upTo: time) {
                toBoard += injector.fromHost(arrived.bytes)
            }
            if !toBoard.isEmpty {
                switch toBoard.withUnsafeBytes({ Descriptor.write(board, $0) }) {
                case let .moved(count):
                    report.bytesToBoard += count
                    toBoard.removeFirst(count)
                case .again: break
                case .failed: boardGone = true
                }
            }

            // Board → host.
            readBoard: while true {
                switch buffer.withUnsafeMutableBytes({ Descriptor.read(board, into: $0) }) {
                case let .moved(count) where count > 0:
                    report.bytesFromBoard += count
                    if faults.isMuted(at: firstHostByte.map { time - $0 }) || !hostPresent {
                        report.bytesDiscarded += count
                    } else {
                        toHost += injector.toHost(buffer[0..<count])
                    }
                case .moved, .again:
                    break readBoard
                case .failed:
                    // EIO: QEMU closed its end.
                    boardGone = true
                    break readBoard
                }
            }
            if !toHost.isEmpty {
                let written = terminal.write(toHost[...])
                report.bytesToHost += written
                toHost.removeFirst(written)
                if toHost.count > 65_536 {
                    report.bytesDiscarded += toHost.count - 65_536
                    toHost.removeFirst(toHost.count - 65_536)
                }
            }
            readConsole()
            if boardGone || !process.isRunning {
                event("QEMU ended")
                report.ending = .boardExited
                break loop
            }

            let waiting = inbound.pendingCount > 0 || !toHost.isEmpty || hostLeftAt != nil
            _ = Poll.wait([Poll.Request(terminal.master, .readable),
                           Poll.Request(board, toBoard.isEmpty ? .readable : [.readable, .writable]),
                           Poll.Request(wake?.readEnd ?? -1, .readable),
                           Poll.Request(presence.pollDescriptor, .readable),
                           Poll.Request(console, .readable)],
                          timeoutMilliseconds: waiting ? 1 : 50)
            wake?.drain()
        }

        report.seconds = now()
        report.corruptedBytes = injector.counters.corruptedBytes
        report.corruptedMessages = injector.counters.corruptedMessages
        report.droppedMessages = injector.counters.droppedMessages
        endQEMU()
        readConsole()
        if report.ending == .boardExited {
            report.qemuOutput = consoleText
            report.qemuStatus = process.terminationStatus
        }
        terminal.close()
        link?.remove()
        if temporaryTrace { try? FileManager.default.removeItem(atPath: tracePath) }
        return report
    }
}

/// What `knead sim --firmware` did: the summary at the end (text, or one JSON object).
public struct FirmwareRelayReport: Sendable, Encodable {
    public enum Ending: String, Sendable, Encodable {
        /// Ctrl-C, SIGTERM.
        case stopped
        /// The host closed the port.
        case hostLeft = "host-left"
        /// The hangup fault.
        case hungUp = "hung-up"
        /// QEMU ended by itself.
        case boardExited = "board-exited"
    }

    public var ending: Ending
    public var image: String
    public var qemu: String
    public var boardPath: String
    public var path: String
    /// The kept UART1 trace (null when it was a temporary file).
    public var trace: String?
    public var faults: String
    public var seconds = 0.0
    public var hostConnections = 0
    public var bytesFromHost = 0
    public var bytesToBoard = 0
    public var bytesFromBoard = 0
    public var bytesToHost = 0
    /// Board output no host took (none had the port open, or `mute`).
    public var bytesDiscarded = 0
    public var corruptedBytes = 0
    public var corruptedMessages = 0
    public var droppedMessages = 0
    public var qemuStatus: Int32?
    public var qemuOutput: String?

    init(ending: Ending, image: String, qemu: String, boardPath: String, path: String, trace: String?, faults: String) {
        self.ending = ending
        self.image = image
        self.qemu = qemu
        self.boardPath = boardPath
        self.path = path
        self.trace = trace
        self.faults = faults
    }

    /// 0 when the host left or the hangup fault ended it, 128 + n for a signal (130 when
    /// none was recorded), 70 when QEMU ended by itself.
    public func exitCode(signal: Int32) -> Int32 {
        switch ending {
        case .hostLeft, .hungUp: return 0
        case .boardExited: return 70
        case .stopped: return signal == 0 ? 130 : 128 + signal
        }
    }

    public var text: String {
        var text = "knead sim: firmware relay ended (\(ending.rawValue)) after " + String(format: "%.1f s", seconds)
            + "; QEMU ended\n"
        text += "  host → board \(bytesFromHost) bytes (\(bytesToBoard) delivered), board → host \(bytesFromBoard) bytes "
            + "(\(bytesToHost) delivered, \(bytesDiscarded) discarded); host connections \(hostConnections)\n"
        text += "  faults \(faults): \(corruptedBytes) bytes flipped, \(corruptedMessages) messages damaged, "
            + "\(droppedMessages) dropped\n"
        if let trace { text += "  board trace: \(trace)\n" }
        if let qemuOutput, ending == .boardExited {
            text += "  QEMU's status \(qemuStatus ?? -1); its output:\n" + qemuOutput
        }
        return text
    }

    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(self) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}
