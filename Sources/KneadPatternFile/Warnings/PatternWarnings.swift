import KneadCore

/// Things a valid pattern should not do, from the articles' advice. They do not make a
/// pattern invalid (the safety envelope bounds what the device does anyway), but
/// `--strict` turns them into errors, and the shipped patterns pass it.
public enum PatternWarnings {
    /// Trigger-point holds: "pressure held 10–30 s until it releases".
    public static let shortestHold: Double = 10
    public static let longestHold: Double = 30
    /// "Aim for 10–15 minutes of massage at a time."
    public static let sessionAim: Double = 15 * 60
    public static let shortestSession: Double = 10 * 60
    /// The least warm-up that counts before firm work. The articles say "warm up
    /// first" without a figure; their warm-up (arm circles, shrugs, a heat pack) is a
    /// minute or more, and one minute is a few slow strokes up each side of the back.
    public static let shortestWarmUp: Double = 60

    /// The warnings for `pattern`, in file order. `sessionDuration` is the compiled
    /// length (travel included); `stepTable` places the session warning at the step
    /// that runs past the aim.
    public static func check(_ pattern: Pattern, sessionDuration: Double?,
                             stepTable: [Timeline.StepInfo] = []) -> [Diagnostic] {
        var warnings: [Diagnostic] = []
        var warmedUp = false
        var warmUpSoFar = 0.0
        var shortWarmUp: Step?
        var reportedColdStart = false
        let written = steps(of: pattern.items)
        for step in written {
            let p = step.parameters, d = TechniqueDefaults.defaults(step.technique)
            let pressure = Self.pressure(of: step)
            let firm = isFirm(step)

            if step.technique == .triggerPoint, let hold = p.hold ?? d.hold, hold > longestHold {
                warnings.append(.warning(
                    at: step.location, "trigger-point hold of \(Durations.describe(hold)) is longer than 30 s",
                    hint: "a knot is held 10–30 s until it releases; hold it again later rather than longer"))
            }
            if step.technique == .triggerPoint, let hold = p.hold ?? d.hold, hold < shortestHold {
                warnings.append(.warning(
                    at: step.location, "trigger-point hold of \(Durations.describe(hold)) is shorter than 10 s",
                    hint: "a knot is held 10–30 s until it releases; a shorter hold only presses it: write 'hold: 10s' or more"))
            }
            if step.technique == .effleurage, let (from, to) = strokeHeights(of: step), to < from {
                warnings.append(.warning(
                    at: step.location, "effleurage strokes run downwards, away from the heart",
                    hint: "strokes go from the lower ribs up to the neck, towards the heart: swap 'from' and 'to'"))
            }
            if step.technique == .warmUp || (step.technique == .effleurage && pressure < firmPressureThreshold) {
                warmUpSoFar += length(of: step, stepTable: stepTable)
                if warmUpSoFar >= shortestWarmUp { warmedUp = true } else if shortWarmUp == nil { shortWarmUp = step }
            } else if firm, !warmedUp, !reportedColdStart {
                reportedColdStart = true
                let what = step.technique.isFirm ? "\(step.technique.rawValue) is firm work" : "firm pressure"
                if let shortWarmUp {
                    warnings.append(.warning(
                        at: shortWarmUp.location,
                        "warm-up of \(Durations.describe(warmUpSoFar)) before firm work is shorter than "
                            + "\(Durations.describe(shortestWarmUp))",
                        hint: "warm up at least a minute before \(what == "firm pressure" ? "firm pressure" : step.technique.rawValue), "
                            + "e.g. '- warm-up: {duration: 90s}', so the muscles are loose first"))
                } else {
                    warnings.append(.warning(
                        at: step.location, "\(what) with no warm-up before it",
                        hint: "add '- warm-up: {duration: 90s}' (or light effleurage) before it, so the muscles are loose first"))
                }
            }
            if pressure >= firmPressureThreshold, let spine = spineTarget(of: step, defaults: d) {
                warnings.append(.warning(
                    at: step.location, "firm pressure on the spine line (\(spine.name))",
                    hint: "the spine is bone: work the paraspinal lines beside it, or use light pressure; "
                        + "the safety envelope moves firm pressure off the spine"))
            }
        }
        if let last = played(pattern.items).last(where: { $0.technique != .rest }), isFirm(last) {
            warnings.append(.warning(
                at: last.location, "the session ends on firm work (\(last.technique.rawValue)) without a light finish",
                hint: "end with light strokes, e.g. '- effleurage: {strokes: 2, pressure: light}', "
                    + "so the muscles settle after deep work"))
        }
        if let sessionDuration, sessionDuration < shortestSession, !pattern.shortByDesign {
            warnings.append(.warning(
                at: pattern.location,
                "the session lasts \(Durations.describe(sessionDuration)), shorter than the 10 minutes aimed for",
                hint: "self-massage is best 10–15 minutes at a time: lengthen steps, or say it is short on purpose "
                    + "with 'opt-in: [short-session]'"))
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

    /// The steps in the order of one pass, leaving out repeats that never play.
    static func played(_ items: [PatternItem]) -> [Step] {
        items.flatMap { item -> [Step] in
            switch item {
            case let .step(step): return [step]
            case let .repeat(count, inner, _): return count > 0 ? played(inner) : []
            }
        }
    }

    static func pressure(of step: Step) -> Double {
        let p = step.parameters, d = TechniqueDefaults.defaults(step.technique)
        if step.technique == .triggerPoint {
            // A trigger point's written intensity sets its depth (TriggerPoint.depth).
            return p.pressure ?? p.intensity ?? d.pressure ?? 0
        }
        return p.pressure ?? d.pressure ?? 0
    }

    static func isFirm(_ step: Step) -> Bool {
        step.technique.isFirm || pressure(of: step) >= firmPressureThreshold
    }

    /// How long a step plays: from the compiled step table when there is one, else
    /// its written or default duration.
    static func length(of step: Step, stepTable: [Timeline.StepInfo]) -> Double {
        if let info = stepTable.first(where: { $0.location == step.location }) { return info.duration }
        return step.parameters.duration ?? TechniqueDefaults.defaults(step.technique).duration ?? 0
    }

    /// The heights (0 = lower ribs, 1 = neck) where a stroke step starts and ends.
    static func strokeHeights(of step: Step) -> (from: Double, to: Double)? {
        let p = step.parameters, d = TechniqueDefaults.defaults(step.technique)
        guard let from = p.from ?? d.from, let to = p.to ?? d.to,
              let a = from.sides.first?.region.center.y, let b = to.sides.first?.region.center.y else { return nil }
        return (a, b)
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
