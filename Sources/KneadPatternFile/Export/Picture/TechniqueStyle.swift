import KneadCore

/// The colour each technique has in every picture, SVG and terminal alike, so a
/// person who learns one reads the other.
public enum TechniqueStyle {
    /// CSS colour for the SVG picture.
    public static func color(_ technique: Technique) -> String {
        switch technique {
        case .warmUp: return "#f4a582"
        case .effleurage: return "#92c5de"
        case .petrissage: return "#4393c3"
        case .friction: return "#2b6cb0"
        case .triggerPoint: return "#d6604d"
        case .tapping: return "#f6c85f"
        case .deepTissue: return "#b2182b"
        case .myofascial: return "#a6dba0"
        case .shiatsu: return "#5aae61"
        case .vibration: return "#c2a5cf"
        case .rest: return "#e0e0e0"
        case .script: return "#bababa"
        case .travel: return "#f2f2f2"
        }
    }

    /// Whether a label on this colour reads better in white than in black.
    public static func isDark(_ technique: Technique) -> Bool {
        switch technique {
        case .friction, .deepTissue, .petrissage: return true
        default: return false
        }
    }

    /// xterm-256 background colour for the terminal picture (the nearest to `color`).
    public static func terminalColor(_ technique: Technique) -> Int {
        switch technique {
        case .warmUp: return 216
        case .effleurage: return 117
        case .petrissage: return 68
        case .friction: return 25
        case .triggerPoint: return 167
        case .tapping: return 221
        case .deepTissue: return 124
        case .myofascial: return 151
        case .shiatsu: return 71
        case .vibration: return 183
        case .rest: return 252
        case .script: return 250
        case .travel: return 255
        }
    }
}
