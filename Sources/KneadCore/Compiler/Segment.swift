/// One piece of a compiled timeline: a stretch of time in which one closed-form
/// function gives the setpoint. A timeline is a sorted array of segments; sampling
/// finds the segment (binary search, or a cursor that only moves forward) and
/// evaluates it. Segments are plain values (no references, no existentials): the
/// evaluation is a `switch` over `Motion`, with no allocation.
struct Segment: Sendable {
    /// Absolute start, seconds; the next segment starts at `start + duration`.
    var start: Double
    var duration: Double
    var technique: Technique
    var target: Target
    /// Index of the executed step (`Timeline.steps`), or -1 for travel and the final settle.
    var step: Int32
    var heat: HeatRamp
    var motion: Motion

    var end: Double { start + duration }

    /// The frame at absolute time t (clamped into this segment).
    @inline(__always)
    func frame(at t: Double, scripts: [ScriptTrack]) -> Frame {
        var tau = t - start
        if tau < 0 { tau = 0 } else if tau > duration { tau = duration }
        let s = motion.setpoint(at: tau, scripts: scripts)
        return Frame(time: t, intensity: s.intensity.unitClamped, x: s.x.unitClamped,
                     y: s.y.unitClamped, pressure: s.pressure.unitClamped,
                     heat: heat.value(at: t).unitClamped, technique: technique,
                     target: target, step: step)
    }

    /// Where the segment is at local time tau (for joining segments while compiling).
    func position(at tau: Double, scripts: [ScriptTrack]) -> BackPoint {
        motion.setpoint(at: tau, scripts: scripts).position
    }
}

/// What the device should do at one instant, before it becomes a `Frame`.
struct Setpoint: Sendable, Equatable {
    var intensity: Double
    var pressure: Double
    var x: Double
    var y: Double

    @inline(__always)
    init(intensity: Double, pressure: Double, at p: BackPoint) {
        self.intensity = intensity
        self.pressure = pressure
        self.x = p.x
        self.y = p.y
    }

    var position: BackPoint { BackPoint(x: x, y: y) }
}

/// The closed-form shapes segments are made of, one per kind of movement. Each plan
/// lives in its technique's file, with its equations in that file's doc comment.
enum Motion: Sendable {
    /// Still at a point, nothing on (rest, friction's breaks, the final settle).
    case hold(BackPoint)
    case travel(TravelPlan)
    case strokes(StrokePlan)
    case circles(CirclePlan)
    case triggerPoint(TriggerPointPlan)
    case pulses(PulsePlan)
    case presses(PressPlan)
    case drift(DriftPlan)
    case script(ScriptPlan)

    @inline(__always)
    func setpoint(at tau: Double, scripts: [ScriptTrack]) -> Setpoint {
        switch self {
        case let .hold(p): return Setpoint(intensity: 0, pressure: 0, at: p)
        case let .travel(plan): return plan.setpoint(at: tau)
        case let .strokes(plan): return plan.setpoint(at: tau)
        case let .circles(plan): return plan.setpoint(at: tau)
        case let .triggerPoint(plan): return plan.setpoint(at: tau)
        case let .pulses(plan): return plan.setpoint(at: tau)
        case let .presses(plan): return plan.setpoint(at: tau)
        case let .drift(plan): return plan.setpoint(at: tau)
        case let .script(plan): return plan.setpoint(at: tau, scripts: scripts)
        }
    }
}
