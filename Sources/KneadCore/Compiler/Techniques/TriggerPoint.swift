/// Trigger-point therapy: travel to the knot, sink in, hold still, release, then
/// gentle circles.
///
///     ramp in   0 ≤ τ < R:            f = s(τ/R)
///     hold      R ≤ τ ≤ R + H:        f = 1, position exactly `at`
///     release   R + H < τ < 2R + H:   f = 1 − (1 − g)·s(u)          (down to gentle)
///     after     a = τ − (2R + H) ∈ [0, A]:
///               f = g·(1 − s((a − A + F)/F))                        (fades out over F)
///               p = at + s(a/F)·(1 − s((a − A + F)/F))·(r_x cos 2πa/T_c, r_y sin 2πa/T_c)
///     intensity = L·f, pressure = P·f
///
/// H = `hold` (default 20 s: the articles' 10–30 s), A = `after` (default 10 s),
/// T_c = `circle` (default 2 s), gentle level g = 0.4, circle radius 8 mm. The press
/// ramp R = max(3 s, 6·peak/slew) per level channel (a slow sink-in that uses at most
/// a quarter of the slew limit); F is the step edge ramp of the gentle level (at least
/// 1 s, at most A/2). With `after: 0` the release goes to zero and the step ends there.
/// A both-sides zone is held on the left, then on the right. P is `pressure` when
/// written, else a written `intensity` (the hold's depth), else the default.
struct TriggerPointPlan: Sendable {
    var point: BackPoint
    var ramp: Double
    var hold: Double
    var after: Double
    var fade: Double
    var period: Double
    var radiusX: Double
    var radiusY: Double
    var gentle: Double
    var intensity: Double
    var pressure: Double

    static let gentleLevel = 0.4
    static let minimumRamp = 3.0
    static let afterRadius = 8.0

    var duration: Double { 2 * ramp + hold + after }

    func setpoint(at tau: Double) -> Setpoint {
        var f: Double
        var p = point
        if tau < ramp {
            f = smoothstep(tau / ramp)
        } else if tau <= ramp + hold {
            f = 1
        } else if tau < 2 * ramp + hold {
            f = 1 - (1 - gentle) * smoothstep((tau - ramp - hold) / ramp)
        } else {
            let a = tau - 2 * ramp - hold
            let out = 1 - smoothstep((a - after + fade) / fade)
            f = gentle * out
            let reach = smoothstep(a / fade) * out
            let circle = sinCosTurns(a / period)
            p = offset(point, reach * radiusX * circle.cos, reach * radiusY * circle.sin)
        }
        return Setpoint(intensity: intensity * f, pressure: pressure * f, at: p)
    }
}

enum TriggerPoint {
    /// How deep the hold presses: `pressure` when written; otherwise a written
    /// `intensity` sets the depth too (a trigger point's intensity is how hard the knot
    /// is pressed); otherwise the default (firm).
    static func depth(_ step: ResolvedStep) -> Double {
        step.written.pressure ?? step.written.intensity ?? step.pressure
    }

    static func pieces(_ step: ResolvedStep, limits: DeviceLimits) -> [Piece] {
        let p = step.parameters
        let at = p.at ?? p.zone ?? .zone(.upperTrapezius, .both)
        let intensity = step.intensity, pressure = depth(step)
        let after = Swift.max(0, p.after ?? 10)
        let gentle = after > 0 ? TriggerPointPlan.gentleLevel : 0
        let period = p.circle ?? 2
        let radius = limits.circleRadius(wanted: TriggerPointPlan.afterRadius, period: period)
        let ramp = limits.edgeRamp(intensity: intensity, pressure: pressure, minimum: TriggerPointPlan.minimumRamp)
        let fade = Swift.min(limits.edgeRamp(intensity: gentle * intensity, pressure: gentle * pressure), after / 2)
        return at.sides.map { side in
            let plan = TriggerPointPlan(point: Placement.anchor(side), ramp: ramp, hold: p.hold ?? 20,
                                        after: after, fade: fade, period: period,
                                        radiusX: limits.unitsX(radius), radiusY: limits.unitsY(radius),
                                        gentle: gentle, intensity: intensity, pressure: pressure)
            return Piece(technique: .triggerPoint, target: side, duration: plan.duration,
                         motion: .triggerPoint(plan))
        }
    }
}
