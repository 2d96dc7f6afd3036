/// Pulses: tapping and vibration.
///
///     intensity = L·e(τ)·(1 − d_i + d_i·sin²(π·f·τ))
///     pressure  = P·e(τ)·(1 − d_p + d_p·sin²(π·f·τ))
///     p(τ)      = c + e(τ)·wander(τ)
///
/// One pulse per 1/f seconds, starting from its low point at τ = 0; e(τ) is the step's
/// edge envelope; the centre c is the zone's, and the wander moves the work over the
/// zone (see Wander).
///
/// - tapping: f = `rate` (default 6 Hz), full pulses (d = 1: each tap rises from zero
///   and falls back to it) when the device's slew limit allows; otherwise d shrinks
///   until L·d·π·f ≤ ¾·slew, and the taps ride on a steady level. Wander over 70 % of
///   the zone, ~12 s × 8 s. A step of D seconds on one side has D·f taps.
/// - vibration: continuous (d = 0) unless `rate` is given, then pulsing with d = 0.5
///   (same slew rule). Wander over 50 % of the zone, ~30 s × 20 s. Pressure defaults
///   to 0: vibration is intensity only.
///
/// `duration` is per area: each side of a both-sides zone gets D seconds, left first.
struct PulsePlan: Sendable {
    var center: BackPoint
    var wander: Wander
    var rate: Double
    var intensity: Double
    var pressure: Double
    var intensityDepth: Double
    var pressureDepth: Double
    var envelope: EdgeEnvelope
    /// Taps the device makes itself (its `percussion`): rate and depth handed over as
    /// parameters, intensity and pressure held steady; 0 when the frames sample the taps.
    var percussionRate = 0.0
    var percussionDepth = 0.0

    @inline(__always)
    func setpoint(at tau: Double) -> Setpoint {
        let e = envelope.factor(tau)
        let beat = rate > 0 ? pulse(rate * tau) : 0
        let w = wander.offset(at: tau)
        var setpoint = Setpoint(intensity: intensity * e * (1 - intensityDepth + intensityDepth * beat),
                                pressure: pressure * e * (1 - pressureDepth + pressureDepth * beat),
                                at: offset(center, e * w.dx, e * w.dy))
        if percussionRate > 0 {
            setpoint.percussionRate = percussionRate
            setpoint.percussionDepth = percussionDepth
        }
        return setpoint
    }
}

enum Pulses {
    static let tappingWander = (share: 0.7, x: 12.0, y: 8.0)
    static let vibrationWander = (share: 0.5, x: 30.0, y: 20.0)
    static let vibrationDepth = 0.5

    static func pieces(_ step: ResolvedStep, limits: DeviceLimits) -> [Piece] {
        let p = step.parameters
        let tapping = step.technique == .tapping
        let zone = p.zone ?? .zone(.upperTrapezius, .both)
        let sides = zone.sides
        let perSide = p.duration ?? (tapping ? 30 : 60)
        let rate = p.rate ?? (tapping ? 6 : 0)
        let wanted = rate > 0 ? (tapping ? 1 : vibrationDepth) : 0
        let intensity = step.intensity, pressure = step.pressure
        let slope = Double.pi * rate
        // A device that taps by itself at this rate gets the rhythm as parameters.
        let byDevice = tapping && rate > 0 && limits.percussion.map { ($0.minRate...$0.maxRate).contains(rate) } == true
        let intensityDepth = byDevice ? 0 : Shaping.rhythmDepth(desired: wanted, peak: intensity, shapeSlope: slope,
                                                                slew: limits.intensitySlew)
        let pressureDepth = byDevice ? 0 : Shaping.rhythmDepth(desired: wanted, peak: pressure, shapeSlope: slope,
                                                               slew: limits.pressureSlew)
        let ramp = limits.edgeRamp(intensity: intensity, pressure: pressure)
        let shape = tapping ? tappingWander : vibrationWander
        return sides.map { side in
            let region = side.region
            let plan = PulsePlan(
                center: region.center,
                wander: Wander(over: region, share: shape.share, periodX: shape.x, periodY: shape.y,
                               duration: perSide),
                rate: rate, intensity: intensity, pressure: pressure, intensityDepth: intensityDepth,
                pressureDepth: pressureDepth,
                envelope: EdgeEnvelope(duration: perSide, rampIn: ramp, rampOut: ramp),
                percussionRate: byDevice ? rate : 0, percussionDepth: byDevice ? wanted : 0)
            return Piece(technique: step.technique, target: side, duration: perSide, motion: .pulses(plan))
        }
    }
}
