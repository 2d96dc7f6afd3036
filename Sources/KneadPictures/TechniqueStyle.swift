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

    /// A short name for bands too narrow for the full one (the legend gives the full name).
    public static func shortName(_ technique: Technique) -> String {
        switch technique {
        case .warmUp: return "warm"
        case .effleurage: return "effl."
        case .petrissage: return "petr."
        case .friction: return "fric."
        case .triggerPoint: return "TP"
        case .tapping: return "tap"
        case .deepTissue: return "deep"
        case .myofascial: return "myof."
        case .shiatsu: return "shia."
        case .vibration: return "vib."
        case .rest: return ""
        case .script: return "script"
        case .travel: return ""
        }
    }

    /// A short zone name for narrow bands: `upper-trapezius-left` → `up-trap L`.
    public static func shortZone(_ name: String) -> String {
        guard case let .zone(zone, side)? = Target(name: name) else { return name }
        let base: String
        switch zone {
        case .lowerRibs: base = "ribs"
        case .neckBase: base = "neck"
        case .upperTrapezius: base = "up-trap"
        case .middleTrapezius: base = "mid-trap"
        case .lowerTrapezius: base = "low-trap"
        case .levatorScapulae: base = "levator"
        case .supraspinatus: base = "supra"
        case .rhomboids: base = "rhomb"
        case .teres: base = "teres"
        case .latissimus: base = "lats"
        case .paraspinal: base = "parasp"
        case .spine: base = "spine"
        }
        switch side {
        case .left: return base + " L"
        case .right: return base + " R"
        case .both: return base
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
