/// The techniques a pattern step can name, plus the internal `travel` between steps.
///
/// Raw values are the names used in pattern files and in every output format.
public enum Technique: String, Sendable, CaseIterable, Hashable {
    case warmUp = "warm-up"
    case effleurage
    case petrissage
    case friction
    case triggerPoint = "trigger-point"
    case tapping
    case deepTissue = "deep-tissue"
    case myofascial
    case shiatsu
    case vibration
    case rest
    /// Plays a funscript file's recorded positions.
    case script
    /// Inserted by the compiler: moving between zones with intensity eased down and up.
    case travel

    /// The techniques a pattern file may name (everything but `travel`).
    public static let patternTechniques: [Technique] = allCases.filter { $0 != .travel }

    /// Firm work: needs a warm-up before it.
    public var isFirm: Bool {
        switch self {
        case .deepTissue, .triggerPoint: return true
        default: return false
        }
    }
}
