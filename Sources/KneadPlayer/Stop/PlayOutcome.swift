import KneadSystem

/// How a play ended, and the exit code each way out gives.
///
/// The codes follow sysexits(3) where one fits and the shell's 128+signal convention
/// for signals, so scripts can tell every way out apart. docs/play.md lists them.
public enum PlayOutcome: Sendable, Equatable {
    /// The pattern played to its end (including the envelope's ramp out).
    case done
    /// The session cap of the safety envelope ended the session before the pattern did.
    case sessionCapReached
    /// The person stopped it: Ctrl-C, q or Esc.
    case interrupted(by: PersonStop)
    /// Another process asked it to end: SIGTERM, the terminal went away (SIGHUP), or Ctrl-\\ (SIGQUIT).
    case terminated(signal: Int32)
    /// The device could not be opened or identified.
    case deviceUnavailable(String)
    /// The device failed while playing (disconnected, timed out, protocol error).
    case ioError(String)
    /// A file play writes (the trace) could not be created; nothing was played.
    case cannotCreate(String)
    /// What the play prints (progress lines) could not be written part way; the device
    /// was ramped to zero and stopped.
    case outputLost(String)

    public enum PersonStop: String, Sendable, Equatable {
        case controlC = "ctrl-c"
        case quitKey = "q"
        case escapeKey = "esc"
    }

    public var exitCode: Int32 {
        switch self {
        case .done, .sessionCapReached: return PlayExitCode.done
        case .interrupted: return PlayExitCode.interrupted
        case let .terminated(signal): return 128 + signal
        case .deviceUnavailable: return PlayExitCode.deviceUnavailable
        case .ioError, .outputLost: return PlayExitCode.ioError
        case .cannotCreate: return PlayExitCode.cannotCreate
        }
    }

    /// One word for the JSON summary.
    public var name: String {
        switch self {
        case .done: return "done"
        case .sessionCapReached: return "session-cap"
        case .interrupted: return "interrupted"
        case .terminated: return "terminated"
        case .deviceUnavailable: return "device-unavailable"
        case .ioError: return "io-error"
        case .cannotCreate: return "cannot-create"
        case .outputLost: return "output-lost"
        }
    }

    /// What stopped it, for the summary: `ctrl-c`, `q`, `SIGTERM`, `end of pattern` …
    public var cause: String {
        switch self {
        case .done: return "end of pattern"
        case .sessionCapReached: return "session cap"
        case let .interrupted(by): return by.rawValue
        case let .terminated(signal): return Signals.name(signal)
        default: return errorMessage ?? ""
        }
    }

    /// What went wrong, for the ways out that are errors; nil for the others.
    public var errorMessage: String? {
        switch self {
        case let .deviceUnavailable(message), let .ioError(message), let .cannotCreate(message),
             let .outputLost(message): return message
        default: return nil
        }
    }

    /// Whether the pattern played to the end.
    public var isComplete: Bool {
        switch self {
        case .done, .sessionCapReached: return true
        default: return false
        }
    }
}

/// The exit codes of `knead play` (and of pattern loading, shared with `knead check`).
public enum PlayExitCode {
    public static let done: Int32 = 0
    /// EX_USAGE: bad command line.
    public static let usage: Int32 = 64
    /// EX_DATAERR: the pattern is invalid.
    public static let badPattern: Int32 = 65
    /// EX_NOINPUT: the pattern file is missing or unreadable.
    public static let fileMissing: Int32 = 66
    /// EX_UNAVAILABLE: the device could not be opened.
    public static let deviceUnavailable: Int32 = 69
    /// EX_CANTCREAT: the trace file cannot be created.
    public static let cannotCreate: Int32 = 73
    /// EX_IOERR: the device failed while playing.
    public static let ioError: Int32 = 74
    /// 128 + SIGINT, as the shell reports Ctrl-C. Also q and Esc.
    public static let interrupted: Int32 = 130
}
