import Foundation
import KneadCore

/// `knead sim` as a library: the trace, the pseudo-terminal and the link are made in
/// `init` (each failure typed, with its exit code), `run` serves until stopped and
/// shows what happens, and the outcome says how the process should end. The command
/// line only parses options, installs its signal handlers and calls these.
public final class SimServer: Sendable {
    public struct Options: Sendable {
        public var server: PtyServer.Configuration
        /// Where to write the csv trace; none when nil.
        public var tracePath: String?
        /// Keep a symlink to the terminal here while serving.
        public var linkPath: String?

        public init(server: PtyServer.Configuration, tracePath: String? = nil, linkPath: String? = nil) {
            self.server = server
            self.tracePath = tracePath
            self.linkPath = linkPath
        }
    }

    /// Why the simulator could not start, with the exit code for each (sysexits).
    public enum Failure: Error, CustomStringConvertible {
        case trace(TraceError)
        case terminal(PtyServer.SetupError)
        case link(PortLink.Problem)

        public var description: String {
            switch self {
            case let .trace(error): return error.description
            case let .terminal(error): return error.description
            case let .link(problem): return problem.description
            }
        }

        public var exitCode: Int32 {
            switch self {
            case .trace: return 73      // EX_CANTCREAT
            case .terminal: return 71   // EX_OSERR: no pseudo-terminal
            case let .link(problem):
                if case .inUse = problem.kind { return 69 }  // EX_UNAVAILABLE: the path is taken by a live one
                return 73
            }
        }
    }

    public let options: Options
    public let server: PtyServer
    public let link: PortLink?

    public init(options: Options) throws(Failure) {
        self.options = options
        var sink: FileTraceSink?
        if let tracePath = options.tracePath {
            do { sink = try FileTraceSink(path: tracePath) } catch { throw .trace(error) }
        }
        do {
            server = try PtyServer(configuration: options.server, trace: sink)
        } catch {
            throw .terminal(error)
        }
        let terminal = server.path
        do {
            link = try options.linkPath.map { path throws(PortLink.Problem) in try PortLink(at: path, to: terminal) }
        } catch {
            throw .link(error)
        }
    }

    /// The path a host opens: the link if there is one, else the terminal.
    public var port: String { link?.path ?? server.path }

    /// Ends `run` soon. Any thread; signal handlers excepted.
    public func requestStop() { server.requestStop() }

    /// Removes the link (idempotent): at the end, or from a handler that must exit at once.
    public func removeLink() { link?.remove() }

    /// Serves until `requestStop` or the hangup fault. Events go to `write` as lines;
    /// with `live`, a status line is kept at the bottom as well.
    public func run(live: Bool, write: @escaping (String) -> Void) -> SimOutcome {
        let display = SimDisplay(live: live, write: write)
        let report = server.run(onEvent: { display.show($0) }, onStatus: display.live ? { display.update($0) } : nil)
        display.finish()
        removeLink()
        return SimOutcome(report: report, traceError: server.traceError)
    }

    /// What `knead sim` prints on standard error before serving.
    public func introduction() -> String {
        let configuration = options.server
        let served = configuration.protocol
        let profile = configuration.profile
        let hostProfile = served == .tcode ? "sr6" : (profile.position == nil ? "knead-handheld" : "knead-chair")
        var text = ""
        if let note = link?.note { text += "knead sim: note: \(note)\n" }
        text += "knead sim: serving \(served.displayName) as '\(profile.name)' on \(server.path)"
            + (link.map { " (link \($0.path))" } ?? "") + "\n"
        text += "  play on it:   knead play PATTERN --port \(port) --device \(hostProfile)\n"
        if served == .tcode {
            text += "  type into it: socat - \(port),rawer   (then D1, V05, L09I2000, DSTOP; picocom and "
                + "screen: docs/sim.md)\n"
        }
        text += "  \(configuration.baud) baud, " + (configuration.paced ? "paced" : "not paced")
            + "; faults: \(configuration.faults.description)"
        if let tracePath = options.tracePath {
            text += "; trace: \(tracePath) (time 0 = CLOCK_MONOTONIC " + String(format: "%.6f", server.clockOrigin) + " s)"
        }
        return text + "\n  Ctrl-C to stop\n"
    }
}

/// How a `knead sim` run ended, and what the process should do about it.
public struct SimOutcome: Sendable {
    public var report: ServeReport
    /// Writing the trace failed (the serving went on without it).
    public var traceError: TraceError?

    /// A failed trace is an I/O error (74) whatever else happened: the run's record is
    /// incomplete. Otherwise the hangup fault is a normal end (0) and a stop ends as the
    /// signal that asked for it (128 + n; 130 when none was recorded).
    public func exitCode(signal: Int32) -> Int32 {
        if traceError != nil { return 74 }
        if report.ending == .hungUp { return 0 }
        return signal == 0 ? 130 : 128 + signal
    }

    /// The lines to print at the end: the summary, and the trace's failure as an error.
    public var text: String {
        report.text + (traceError.map { "knead: error: \($0)\n" } ?? "")
    }

    /// The summary as one JSON line (`--json`).
    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(report) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}
