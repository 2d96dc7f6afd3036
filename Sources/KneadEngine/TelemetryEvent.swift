/// Something a device reports happened, carried in a `Telemetry` sample. The text
/// spelling (`description`) is for output edges only: a trace, a log line, a summary.
public enum TelemetryEvent: Sendable, Equatable, CustomStringConvertible {
    /// A stop was acted on.
    case stop
    /// The host fell silent for the watchdog period; the device ramps to zero.
    case watchdog
    /// The device's control loop stopped, and ran again after it.
    case stall, resume
    /// The link went down.
    case disconnect
    /// A scheduled setpoint was refused: the device's buffer was full.
    case overflow
    /// The heat pad reached its maximum temperature and cut out.
    case heatCutoff
    /// A message failed the device's integrity check and was discarded.
    case rejected
    /// The device halted and refuses frames until the host starts it again.
    case halted
    /// A fault the device reported, in its protocol's words.
    case fault(String)

    public var description: String {
        switch self {
        case .stop: return "stop"
        case .watchdog: return "watchdog"
        case .stall: return "stall"
        case .resume: return "resume"
        case .disconnect: return "disconnect"
        case .overflow: return "overflow"
        case .heatCutoff: return "heat-cutoff"
        case .rejected: return "rejected"
        case .halted: return "halted"
        case let .fault(summary): return "fault: " + summary
        }
    }
}
