import Glibc

/// The signals knead names: the ways a person or the system ends a play.
public enum Signals {
    public static let hangUp = SIGHUP
    public static let interrupt = SIGINT
    public static let quit = SIGQUIT
    public static let terminate = SIGTERM
    public static let brokenPipe = SIGPIPE

    /// The name a person searches for ("SIGTERM"), or "signal N" for the others.
    public static func name(_ signal: Int32) -> String {
        switch signal {
        case SIGHUP: return "SIGHUP"
        case SIGINT: return "SIGINT"
        case SIGTERM: return "SIGTERM"
        case SIGQUIT: return "SIGQUIT"
        case SIGPIPE: return "SIGPIPE"
        default: return "signal \(signal)"
        }
    }
}
