/// Myofascial release: almost still, a slow drift, gentle sustained pressure.
///
///     p(τ) = c + e(τ)·(a_x·sin(2πτ/D), a_y·(1 − cos(2πτ/D))/2)
///     intensity = L·e(τ),  pressure = P·e(τ)
///
/// One slow loop per side: the head creeps 12 mm up the fibres (a_y) while swaying
/// 4 mm sideways (a_x), and comes back, over the whole D seconds (default 90 s per
/// area: each side of a both-sides zone gets D). Levels are steady (gentle, sustained), easing in and out at the edges.
struct DriftPlan: Sendable {
    var center: BackPoint
    var reachX: Double
    var reachY: Double
    var duration: Double
    var intensity: Double
    var pressure: Double
    var envelope: EdgeEnvelope

    static let reachAlongFibres = 12.0
    static let sway = 4.0

    @inline(__always)
    func setpoint(at tau: Double) -> Setpoint {
        let e = envelope.factor(tau)
        let loop = sinCosTurns(tau / duration)
        let p = offset(center, e * reachX * loop.sin, e * reachY * (1 - loop.cos) * 0.5)
        return Setpoint(intensity: intensity * e, pressure: pressure * e, at: p)
    }
}

enum Drift {
    static func pieces(_ step: ResolvedStep, limits: DeviceLimits) -> [Piece] {
        let p = step.parameters
        let zone = p.zone ?? .zone(.upperTrapezius, .both)
        let sides = zone.sides
        let perSide = p.duration ?? 90
        let intensity = step.intensity, pressure = step.pressure
        let ramp = limits.edgeRamp(intensity: intensity, pressure: pressure)
        return sides.map { side in
            let plan = DriftPlan(center: side.region.center, reachX: limits.unitsX(DriftPlan.sway),
                                 reachY: limits.unitsY(DriftPlan.reachAlongFibres), duration: perSide,
                                 intensity: intensity, pressure: pressure,
                                 envelope: EdgeEnvelope(duration: perSide, rampIn: ramp, rampOut: ramp))
            return Piece(technique: .myofascial, target: side, duration: perSide, motion: .drift(plan))
        }
    }
}
