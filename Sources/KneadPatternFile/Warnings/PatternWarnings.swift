import KneadCore

/// Things a valid pattern should not do, from the articles' advice. They do not make a
/// pattern invalid (the safety envelope bounds what the device does anyway), but
/// `--strict` turns them into errors, and the shipped patterns pass it.
public enum PatternWarnings {
    /// Trigger-point holds: "pressure held 10–30 s until it releases".
    public static let longestHold: Double = 30
    /// "Aim for 10–15 minutes of massage at a time."
    public static let sessionAim: Double = 15 * 60

    /// The warnings for `pattern`, in file order. `sessionDuration` is the compiled
    /// length (travel included); `stepTable` places the session warning at the step
    /// that runs past the aim.
    public static func check(_ pattern: Pattern, sessionDuration: Double?,
                             stepTable: [Timeline.StepInfo] = []) -> [Diagnostic] {
        var warnings: [Diagnostic] = []
        var warmedUp = false
        var reportedColdStart = false
        for step in steps(of: pattern.items) {
            let p = step.parameters, d = TechniqueDefaults.defaults(step.technique)
            let pressure = p.pressure ?? d.pressure ?? 0
            let firm = step.technique.isFirm || pressure >= firmPressureThreshold

            if step.technique == .triggerPoint, let hold = p.hold ?? d.hold, hold > longestHold {
                warnings.append(.warning(
                    at: step.location, "trigger-point hold of \(Durations.describe(hold)) is longer than 30 s",
                    hint: "a knot is held 10–30 s until it releases; hold it again later rather than longer"))
            }
            if step.technique == .warmUp || (step.technique == .effleurage && pressure < firmPressureThreshold) {
                warmedUp = true
            } else if firm, !warmedUp, !reportedColdStart {
                reportedColdStart = true
                let what = step.technique.isFirm ? "\(step.technique.rawValue) is firm work" : "firm pressure"
                warnings.append(.warning(
                    at: step.location, "\(what) with no warm-up before it",
                    hint: "add '- warm-up: {duration: 90s}' (or light effleurage) before it, so the muscles are loose first"))
            }
            if pressure >= firmPressureThreshold, let spine = spineTarget(of: step, defaults: d) {
                warnings.append(.warning(
                    at: step.location, "firm pressure on the spine line (\(spine.name))",
                    hint: "the spine is bone: work the paraspinal lines beside it, or use light pressure; "
                        + "the safety envelope moves firm pressure off the spine"))
            }
        }
        if let sessionDuration, sessionDuration > sessionAim {
            let crossing = stepTable.first { $0.location != .unknown && $0.start + $0.duration > sessionAim }
            warnings.append(.warning(
                at: crossing?.location ?? pattern.location,
                "the session lasts \(Durations.describe(sessionDuration)), longer than the 15 minutes aimed for"
                    + (crossing == nil ? "" : "; it passes 15 minutes in this step"),
                hint: "self-massage is best 10–15 minutes at a time: shorten steps or split the pattern in two"))
        }
        return warnings.sortedByPosition()
    }

    /// Each step once, in the order written (a repeat's steps once, not once per round).
    static func steps(of items: [PatternItem]) -> [Step] {
        items.flatMap { item -> [Step] in
            switch item {
            case let .step(step): return [step]
            case let .repeat(_, inner, _): return steps(of: inner)
            }
        }
    }

    private static func spineTarget(of step: Step, defaults d: StepParameters) -> Target? {
        let p = step.parameters
        let targets = [p.zone ?? d.zone, p.from ?? d.from, p.to ?? d.to, p.at ?? d.at].compactMap { $0 }
        return targets.first { target in
            switch target {
            case let .zone(zone, _): return zone == .spine
            case let .point(point): return Anatomy.isOnSpineLine(point)
            }
        }
    }
}
