/// Circles: petrissage and friction.
///
/// Small circles of period T_c about a centre, the radius easing in and out with the
/// step's edge envelope e(τ) so the head starts and ends at the centre:
///
///     p(τ) = c + e(τ)·(wander(τ) + (r_x·cos 2πτ/T_c, r_y·sin 2πτ/T_c))
///     intensity = L·e(τ)
///     pressure  = P·e(τ)·(1 − d + d·sin²(πτ/T_c))
///
/// The radius is set in millimetres and scaled by the body profile to each axis
/// (r_x = r/backWidth, r_y = r/shoulderHeight), so circles are round on the person.
///
/// - petrissage: kneading, r = 15 mm, pressure compressing (d = 0.5) and releasing once
///   per circle — released at the start of each circle, fully compressed half-way —
///   while the centre wanders over the zone (Wander, 60 % of the zone, ~30 s × 20 s).
///   `duration` is per area, as for every technique: a both-sides zone gets D on each
///   side, left first.
/// - friction: r = 5 mm on one spot (no wander), steady pressure (d = 0). `duration`
///   is per area (the articles' "two minutes per area"), each side of a both-sides zone
///   being one area, with a still `breaks`-second
///   rest (technique `rest`, same step) between areas.
///
/// r shrinks when the device could not follow it within half its speed and
/// acceleration (r·ω ≤ ½v, r·ω² ≤ ½a); d shrinks when the pressure channel's slew
/// limit asks for it (P·d·π/T_c ≤ ¾·slew).
struct CirclePlan: Sendable {
    var center: BackPoint
    var wander: Wander
    var radiusX: Double
    var radiusY: Double
    var period: Double
    var intensity: Double
    var pressure: Double
    var compression: Double
    var envelope: EdgeEnvelope

    @inline(__always)
    func setpoint(at tau: Double) -> Setpoint {
        let e = envelope.factor(tau)
        let turns = tau / period
        let circle = sinCosTurns(turns)
        let w = wander.offset(at: tau)
        let p = offset(center, e * (w.dx + radiusX * circle.cos), e * (w.dy + radiusY * circle.sin))
        let squeeze = 1 - compression + compression * pulse(turns)
        return Setpoint(intensity: intensity * e, pressure: pressure * squeeze * e, at: p)
    }
}

enum Circles {
    static let petrissageRadius = 15.0
    static let petrissageCompression = 0.5
    static let petrissageWanderShare = 0.6
    static let petrissageWanderPeriods = (x: 30.0, y: 20.0)
    static let frictionRadius = 5.0

    static func pieces(_ step: ResolvedStep, limits: DeviceLimits) -> [Piece] {
        let p = step.parameters
        let zone = p.zone ?? .zone(.rhomboids, .both)
        let sides = zone.sides
        let period = p.circle ?? 1.5
        let intensity = step.intensity, pressure = step.pressure
        let ramp = limits.edgeRamp(intensity: intensity, pressure: pressure)
        let isFriction = step.technique == .friction
        let perSide = p.duration ?? 120
        let radius = limits.circleRadius(wanted: isFriction ? frictionRadius : petrissageRadius, period: period)
        let compression = isFriction ? 0 : Shaping.rhythmDepth(
            desired: petrissageCompression, peak: pressure, shapeSlope: Double.pi / period,
            slew: limits.pressureSlew)

        var pieces: [Piece] = []
        for (i, side) in sides.enumerated() {
            let region = side.region
            let wander = isFriction ? Wander.none : Wander(
                over: region, share: petrissageWanderShare, periodX: petrissageWanderPeriods.x,
                periodY: petrissageWanderPeriods.y, duration: perSide)
            let plan = CirclePlan(center: region.center, wander: wander, radiusX: limits.unitsX(radius),
                                  radiusY: limits.unitsY(radius), period: period, intensity: intensity,
                                  pressure: pressure, compression: compression,
                                  envelope: EdgeEnvelope(duration: perSide, rampIn: ramp, rampOut: ramp))
            pieces.append(Piece(technique: step.technique, target: side, duration: perSide, motion: .circles(plan)))
            if isFriction, i < sides.count - 1, let pause = p.breaks, pause > 0 {
                pieces.append(Piece(technique: .rest, target: side, duration: pause, motion: .hold(region.center)))
            }
        }
        return pieces
    }
}
