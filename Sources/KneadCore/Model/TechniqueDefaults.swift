/// Which keys each technique accepts, and the value each key takes when a step
/// leaves it out. The figures come from ../shared/domain/TECHNIQUES.md (the articles'
/// numbers where they give one: 2 minutes per area, holds of 10–30 s, strokes from the
/// lower ribs up to the neck, light effleurage, firm deep tissue); docs/patterns.md
/// lists them with their sources. The parser rejects keys not listed here; the
/// compiler fills missing values from here.
///
/// `duration` and `strokes` are per area: each side of a both-sides zone is one area
/// and gets the whole figure (docs/patterns.md, "Duration and sides"), so a
/// both-sides step plays twice the figure in all.
public enum TechniqueDefaults {
    /// Keys any step may carry, whatever its technique.
    public static let commonKeys: Set<String> = ["heat"]

    public static func accepted(_ technique: Technique) -> Set<String> {
        let keys: Set<String>
        switch technique {
        case .warmUp:       keys = ["duration", "intensity", "pressure", "zone", "stroke"]
        case .effleurage:   keys = ["from", "to", "strokes", "stroke", "duration", "intensity", "pressure"]
        case .petrissage:   keys = ["zone", "duration", "circle", "intensity", "pressure"]
        case .friction:     keys = ["zone", "duration", "circle", "breaks", "intensity", "pressure"]
        case .triggerPoint: keys = ["at", "hold", "after", "circle", "intensity", "pressure"]
        case .tapping:      keys = ["zone", "rate", "duration", "intensity", "pressure"]
        case .deepTissue:   keys = ["zone", "from", "to", "strokes", "stroke", "duration", "intensity", "pressure"]
        case .myofascial:   keys = ["zone", "duration", "intensity", "pressure"]
        case .shiatsu:      keys = ["zone", "from", "to", "rate", "duration", "intensity", "pressure"]
        case .vibration:    keys = ["zone", "duration", "rate", "intensity", "pressure"]
        case .rest:         keys = ["duration"]
        case .script:       keys = ["file", "zone", "duration", "intensity", "pressure"]
        case .travel:       keys = []
        }
        return keys.union(commonKeys)
    }

    /// The key a technique takes as a bare scalar (`rest: 5s`, `script: wave.funscript`).
    public static func scalarKey(_ technique: Technique) -> String? {
        switch technique {
        case .rest: return "duration"
        case .script: return "file"
        default: return nil
        }
    }

    /// Keys a step must give (no sensible default exists).
    public static func required(_ technique: Technique) -> Set<String> {
        switch technique {
        case .triggerPoint: return ["at"]
        case .script: return ["file"]
        default: return []
        }
    }

    /// The parameters a step gets when it says nothing.
    public static func defaults(_ technique: Technique) -> StepParameters {
        switch technique {
        case .warmUp:
            // "Warm up first": gentle sweeps over the whole upper back, 45 s a side.
            return StepParameters(duration: 45, intensity: 0.2, pressure: PressureName.light.level,
                                  zone: .zone(.paraspinal, .both), stroke: 10)
        case .effleurage:
            // Long slow strokes from the lower ribs up to the neck, light pressure.
            return StepParameters(intensity: 0.35, pressure: PressureName.light.level,
                                  from: .zone(.lowerRibs, .both), to: .zone(.neckBase, .both),
                                  strokes: 3, stroke: 8)   // 3 a side
        case .petrissage:
            // Kneading in small circles until tension reduces; two minutes per area.
            return StepParameters(duration: 120, intensity: 0.5, pressure: PressureName.medium.level,
                                  zone: .zone(.rhomboids, .both), circle: 1.5)
        case .friction:
            // Small steady circles, two minutes per area, short breaks between areas.
            return StepParameters(duration: 120, intensity: 0.5, pressure: PressureName.medium.level,
                                  zone: .zone(.rhomboids, .both), circle: 0.8, breaks: 10)
        case .triggerPoint:
            // Held 10–30 s until it releases, then gentle rotating motion.
            return StepParameters(intensity: 0.6, pressure: PressureName.firm.level, circle: 2,
                                  hold: 20, after: 10)
        case .tapping:
            // Rhythmic tapping at a few hertz, moving over the zone.
            return StepParameters(duration: 30, intensity: 0.5, pressure: PressureName.light.level,
                                  zone: .zone(.upperTrapezius, .both), rate: 6)
        case .deepTissue:
            // Slow firm strokes through the rhomboids and trapezius.
            return StepParameters(intensity: 0.6, pressure: PressureName.firm.level,
                                  zone: .zone(.rhomboids, .both), strokes: 2, stroke: 12)   // 2 a side
        case .myofascial:
            // Gentle sustained pressure, almost still, slow and long: 90 s a side.
            return StepParameters(duration: 90, intensity: 0.25, pressure: 0.4,
                                  zone: .zone(.upperTrapezius, .both))
        case .shiatsu:
            // Rhythmic firm press-and-release along the lines beside the spine.
            return StepParameters(duration: 120, intensity: 0.5, pressure: 0.65,
                                  zone: .zone(.paraspinal, .both), rate: 0.5)
        case .vibration:
            return StepParameters(duration: 60, intensity: 0.5, zone: .zone(.upperTrapezius, .both))
        case .rest:
            return StepParameters(duration: 5, intensity: 0, pressure: 0)
        case .script:
            return StepParameters(intensity: 0.5, pressure: PressureName.light.level,
                                  zone: .zone(.paraspinal, .both))
        case .travel:
            return StepParameters()
        }
    }
}
