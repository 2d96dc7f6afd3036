/// One piece of a compiled timeline: a stretch of time in which one closed-form
/// function gives the setpoint. A timeline is a sorted array of segments; sampling
/// finds the segment (binary search, or a cursor that only moves forward) and
/// evaluates it.
///
/// A segment is a small plain value (no references, no existentials). Its shape's
/// parameters live in the timeline's `PlanTable`, one typed array per kind of
/// movement, and the segment holds the kind and the index: evaluation is a `switch`
/// over a one-byte kind and a read through a buffer pointer — nothing is copied,
/// nothing allocated.
struct Segment: Sendable {
    /// Absolute start, seconds; the next segment starts at `start + duration`.
    var start: Double
    var duration: Double
    var technique: Technique
    var target: Target
    /// Index of the executed step (`Timeline.steps`), or -1 for travel and the final settle.
    var step: Int32
    var kind: MotionKind
    /// Index of this segment's plan in the `PlanTable` array of its kind.
    var plan: Int32
    var heat: HeatRamp

    var end: Double { start + duration }

    /// The frame at absolute time t (clamped into this segment).
    @inline(__always)
    func frame(at t: Double, plans: PlanTable) -> Frame {
        var tau = t - start
        if tau < 0 { tau = 0 } else if tau > duration { tau = duration }
        let s = plans.setpoint(kind, Int(plan), at: tau)
        return Frame(time: t, intensity: s.intensity.unitClamped, x: s.x.unitClamped,
                     y: s.y.unitClamped, pressure: s.pressure.unitClamped,
                     heat: heat.value(at: t).unitClamped, technique: technique,
                     target: target, step: step, percussionRate: s.percussionRate,
                     percussionDepth: s.percussionDepth.unitClamped)
    }
}

/// What the device should do at one instant, before it becomes a `Frame`.
struct Setpoint: Sendable, Equatable {
    var intensity: Double
    var pressure: Double
    var x: Double
    var y: Double
    /// A rhythm the device makes itself: Hz (0: none) and depth 0…1.
    var percussionRate = 0.0
    var percussionDepth = 0.0

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
/// Planners hand these out in `Piece`s; the timeline stores them in a `PlanTable`.
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

    /// The setpoint while planning (joining pieces); sampling goes through `PlanTable`.
    func setpoint(at tau: Double, tracks: [ScriptTrack]) -> Setpoint {
        switch self {
        case let .hold(p): return Setpoint(intensity: 0, pressure: 0, at: p)
        case let .travel(plan): return plan.setpoint(at: tau)
        case let .strokes(plan): return plan.setpoint(at: tau)
        case let .circles(plan): return plan.setpoint(at: tau)
        case let .triggerPoint(plan): return plan.setpoint(at: tau)
        case let .pulses(plan): return plan.setpoint(at: tau)
        case let .presses(plan): return plan.setpoint(at: tau)
        case let .drift(plan): return plan.setpoint(at: tau)
        case let .script(plan): return plan.setpoint(at: tau, tracks: tracks)
        }
    }
}

enum MotionKind: UInt8, Sendable {
    case hold, travel, strokes, circles, triggerPoint, pulses, presses, drift, script
}

/// Every segment's shape parameters, one array per kind, plus the recorded tracks
/// script segments play. Copying it copies references.
struct PlanTable: Sendable {
    var holds: [BackPoint] = []
    var travels: [TravelPlan] = []
    var strokes: [StrokePlan] = []
    var circles: [CirclePlan] = []
    var triggerPoints: [TriggerPointPlan] = []
    var pulses: [PulsePlan] = []
    var presses: [PressPlan] = []
    var drifts: [DriftPlan] = []
    var scripts: [ScriptPlan] = []
    var tracks: [ScriptTrack] = []

    /// Stores a plan; returns where it went.
    mutating func store(_ motion: Motion) -> (kind: MotionKind, index: Int32) {
        func put<Plan>(_ plan: Plan, _ array: inout [Plan], _ kind: MotionKind) -> (MotionKind, Int32) {
            array.append(plan)
            return (kind, Int32(array.count - 1))
        }
        switch motion {
        case let .hold(p): return put(p, &holds, .hold)
        case let .travel(plan): return put(plan, &travels, .travel)
        case let .strokes(plan): return put(plan, &strokes, .strokes)
        case let .circles(plan): return put(plan, &circles, .circles)
        case let .triggerPoint(plan): return put(plan, &triggerPoints, .triggerPoint)
        case let .pulses(plan): return put(plan, &pulses, .pulses)
        case let .presses(plan): return put(plan, &presses, .presses)
        case let .drift(plan): return put(plan, &drifts, .drift)
        case let .script(plan): return put(plan, &scripts, .script)
        }
    }

    @inline(__always)
    func setpoint(_ kind: MotionKind, _ i: Int, at tau: Double) -> Setpoint {
        switch kind {
        case .hold: return holds.withUnsafeBufferPointer { Setpoint(intensity: 0, pressure: 0, at: $0[i]) }
        case .travel: return travels.withUnsafeBufferPointer { $0[i].setpoint(at: tau) }
        case .strokes: return strokes.withUnsafeBufferPointer { $0[i].setpoint(at: tau) }
        case .circles: return circles.withUnsafeBufferPointer { $0[i].setpoint(at: tau) }
        case .triggerPoint: return triggerPoints.withUnsafeBufferPointer { $0[i].setpoint(at: tau) }
        case .pulses: return pulses.withUnsafeBufferPointer { $0[i].setpoint(at: tau) }
        case .presses: return presses.withUnsafeBufferPointer { $0[i].setpoint(at: tau) }
        case .drift: return drifts.withUnsafeBufferPointer { $0[i].setpoint(at: tau) }
        case .script: return scripts.withUnsafeBufferPointer { $0[i].setpoint(at: tau, tracks: tracks) }
        }
    }
}
