/// Lays the planners' pieces end to end on one clock.
///
/// - The session starts at t = 0 at `BackPoint.restPosition`, everything at zero.
/// - Before each piece that begins elsewhere than the head is, a travel segment
///   (technique `travel`, step −1, target = where it goes; see Travel.swift).
/// - Heat: at the start of each step (where its travel begins) a ramp from the heat
///   there to the step's `heat`, over max(1 s, 1.5·|change|/heat slew). It runs on
///   into the step when the step starts before it ends, and a later step starts its
///   own ramp from wherever the heat has got to.
/// - The end: a travel back to the rest position that lasts at least as long as the
///   heat needs to reach zero, then `Shaping.finalSettle` seconds of exact zero
///   (technique `rest`, step −1).
struct TimelineBuilder {
    let limits: DeviceLimits
    private(set) var segments: [Segment] = []
    private(set) var plans = PlanTable()
    private(set) var steps: [Timeline.StepInfo] = []
    private var time = 0.0
    private var position = BackPoint.restPosition
    private var heat = HeatRamp.constant(0)

    /// Positions closer than this (normalized units, 0.4 µm on a 400 mm back) need no travel.
    static let samePlace = 1e-9

    init(limits: DeviceLimits) {
        self.limits = limits
    }

    mutating func add(_ step: ResolvedStep) throws(CompileError) {
        let heatFrom = heat.value(at: time)
        let heatTo = step.heat
        heat = heatFrom == heatTo ? .constant(heatTo)
            : HeatRamp(from: heatFrom, to: heatTo, start: time, duration: limits.heatRamp(heatTo - heatFrom))

        let pieces: [Piece]
        var peakIntensity = step.intensity
        switch step.technique {
        case .rest, .travel:
            let p = step.parameters
            pieces = [Piece(technique: .rest, target: .point(position), duration: p.duration ?? 5,
                            motion: .hold(position))]
            peakIntensity = 0
        case .warmUp, .effleurage, .deepTissue:
            pieces = Strokes.pieces(step, limits: limits)
        case .petrissage, .friction:
            pieces = Circles.pieces(step, limits: limits)
        case .triggerPoint:
            pieces = TriggerPoint.pieces(step, limits: limits)
        case .tapping, .vibration:
            pieces = Pulses.pieces(step, limits: limits)
        case .myofascial:
            pieces = Drift.pieces(step, limits: limits)
        case .shiatsu:
            pieces = Presses.pieces(step, limits: limits)
        case .script:
            // StepCheck has made sure the script is there and well formed.
            let script = step.parameters.script ?? ScriptTrack(path: "", points: [.init(time: 0, position: 0)])
            let index = plans.tracks.firstIndex(of: script) ?? plans.tracks.count
            if index == plans.tracks.count { plans.tracks.append(script) }
            pieces = try Script.pieces(step, track: index, script: script, limits: limits)
            peakIntensity = Script.peakIntensity(step, script: script)
        }
        let target = Self.stepTarget(pieces)

        let stepNumber = Int32(step.index)
        var start: Double?
        // Summed, not end − start: a one-piece step lasts exactly its piece's duration.
        var length = 0.0
        for piece in pieces {
            let begin = segmentPosition(piece.motion, at: 0)
            let moving = travel(to: begin, target: piece.target)
            if start == nil { start = time } else { length += moving }
            length += piece.duration
            append(start: time, duration: piece.duration, technique: piece.technique, target: piece.target,
                   step: stepNumber, motion: piece.motion)
            position = segmentPosition(piece.motion, at: piece.duration)
        }
        let stepStart = start ?? time
        steps.append(Timeline.StepInfo(
            index: step.index, technique: step.technique, target: target, start: stepStart,
            duration: length, peakIntensity: peakIntensity,
            peakPressure: step.technique == .rest ? 0
                : step.technique == .triggerPoint ? TriggerPoint.depth(step) : step.pressure, location: step.location))
    }

    mutating func finish(name: String) -> Timeline {
        let rest = BackPoint.restPosition
        let heatNow = heat.value(at: time)
        if heatNow != 0 || position.distance(to: rest) > Self.samePlace {
            let heatTime = heatNow != 0 ? limits.heatRamp(heatNow) : 0
            heat = heatNow == 0 ? .constant(0) : HeatRamp(from: heatNow, to: 0, start: time, duration: heatTime)
            let move = TravelPlan(from: position, to: rest,
                                  duration: Swift.max(limits.travelTime(from: position, to: rest), heatTime))
            append(start: time, duration: move.duration, technique: .travel, target: .point(rest),
                   step: -1, motion: .travel(move))
            position = rest
        }
        heat = .constant(0)
        append(start: time, duration: Shaping.finalSettle, technique: .rest, target: .point(rest),
               step: -1, motion: .hold(rest))
        return Timeline(name: name, duration: time, steps: steps, segments: segments, plans: plans)
    }

    /// What the step table names a step by: its pieces' target, or the both-sides zone
    /// when the pieces are the two sides of one zone.
    static func stepTarget(_ pieces: [Piece]) -> Target {
        let first = pieces[0].target
        guard case let .zone(zone, _) = first, zone.hasSides else { return first }
        for piece in pieces {
            guard case .zone(zone, _) = piece.target else { return first }
            if piece.target != first { return .zone(zone, .both) }
        }
        return first
    }

    /// Moves the head to `destination` if it is elsewhere; returns how long that takes.
    @discardableResult
    private mutating func travel(to destination: BackPoint, target: Target) -> Double {
        guard position.distance(to: destination) > Self.samePlace else { return 0 }
        let plan = TravelPlan(from: position, to: destination,
                              duration: limits.travelTime(from: position, to: destination))
        append(start: time, duration: plan.duration, technique: .travel, target: target, step: -1,
               motion: .travel(plan))
        position = destination
        return plan.duration
    }

    private mutating func append(start: Double, duration: Double, technique: Technique, target: Target,
                                 step: Int32, motion: Motion) {
        let stored = plans.store(motion)
        segments.append(Segment(start: start, duration: duration, technique: technique, target: target,
                                step: step, kind: stored.kind, plan: stored.index, heat: heat))
        time = start + duration
    }

    private func segmentPosition(_ motion: Motion, at tau: Double) -> BackPoint {
        let p = motion.setpoint(at: tau, tracks: plans.tracks)
        return BackPoint(x: p.x.unitClamped, y: p.y.unitClamped)
    }
}
