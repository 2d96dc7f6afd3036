/// Who asked the engine to stop.
public enum StopCause: UInt8, Sendable, Equatable, CaseIterable, CustomStringConvertible {
    /// SIGINT or SIGTERM.
    case signal = 1
    /// A key in the live view (q, Esc).
    case key = 2
    /// Code calling `Engine.requestStop` for any other reason.
    case user = 3

    public var description: String {
        switch self {
        case .signal: return "signal"
        case .key: return "key"
        case .user: return "user"
        }
    }
}

/// Why a run ended.
public enum EndReason: Sendable, Equatable, CustomStringConvertible {
    /// The source ran out and (in lead mode) the device played the last frame.
    case finished
    /// A stop was requested; `backend.stop()` was called once, on the priority path.
    case stopped(StopCause)
    /// The backend failed; `backend.stop()` was attempted, and the run ended.
    case deviceError(BackendError)

    public var description: String {
        switch self {
        case .finished: return "finished"
        case let .stopped(cause): return "stopped (\(cause))"
        case let .deviceError(error): return "\(error)"
        }
    }
}
