/// The small pieces of math every technique is built from: easing, trigonometry in
/// turns, and the edge envelope that makes every step start and end at zero.
///
/// Everything here is pure Swift arithmetic (no libm), so a timeline gives the same
/// bits on every platform: the "same input, same bytes" promise holds across machines,
/// not only across runs.

/// Smoothstep easing 3u² − 2u³ on u clamped to 0…1: starts and ends with zero slope,
/// peak slope 1.5 at u = ½.
@inline(__always)
func smoothstep(_ u: Double) -> Double {
    if !(u > 0) { return 0 }
    if u >= 1 { return 1 }
    return u * u * (3 - 2 * u)
}

/// sin(2π·turns) and cos(2π·turns), computed from turns so that range reduction is
/// exact: whole and quarter turns give exactly 0 and ±1 (libm's sin(π) is 1.2e-16).
/// Accurate to about 1e-16 for |turns| < 2⁵⁰.
@inline(__always)
func sinCosTurns(_ turns: Double) -> (sin: Double, cos: Double) {
    guard turns.isFinite else { return (0, 1) }
    // Nearest quarter turn q and the rest r in [-1/8, 1/8]: both exact in binary.
    let quarters = (turns * 4).rounded()
    let r = (turns * 4 - quarters) * 0.25
    let a = r * (2 * Double.pi)
    let s = sinPolynomial(a), c = cosPolynomial(a)
    // q mod 4 without overflow for huge values (turns is bounded by the caller anyway).
    let q = Int((quarters - 4 * (quarters * 0.25).rounded(.down)))
    switch q & 3 {
    case 0: return (s, c)
    case 1: return (c, -s)
    case 2: return (-s, -c)
    default: return (-c, s)
    }
}

@inline(__always) func sinTurns(_ turns: Double) -> Double { sinCosTurns(turns).sin }
@inline(__always) func cosTurns(_ turns: Double) -> Double { sinCosTurns(turns).cos }

/// sin²(π·turns) = (1 − cos 2π·turns)/2: a pulse from 0 up to 1 and back to 0 over
/// each whole turn, with zero slope at both ends.
@inline(__always)
func pulse(_ turns: Double) -> Double {
    (1 - cosTurns(turns)) * 0.5
}

/// Taylor series to a¹⁵ for |a| ≤ π/4 (truncation error < 5e-17).
@inline(__always)
private func sinPolynomial(_ a: Double) -> Double {
    let a2 = a * a
    var p = -1.0 / 1_307_674_368_000          // −1/15!
    p = p * a2 + 1.0 / 6_227_020_800          //  1/13!
    p = p * a2 - 1.0 / 39_916_800             // −1/11!
    p = p * a2 + 1.0 / 362_880                //  1/9!
    p = p * a2 - 1.0 / 5_040                  // −1/7!
    p = p * a2 + 1.0 / 120                    //  1/5!
    p = p * a2 - 1.0 / 6                      // −1/3!
    return a + a * a2 * p
}

/// Taylor series to a¹⁶ for |a| ≤ π/4 (truncation error < 3e-18).
@inline(__always)
private func cosPolynomial(_ a: Double) -> Double {
    let a2 = a * a
    var p = 1.0 / 20_922_789_888_000          //  1/16!
    p = p * a2 - 1.0 / 87_178_291_200         // −1/14!
    p = p * a2 + 1.0 / 479_001_600            //  1/12!
    p = p * a2 - 1.0 / 3_628_800              // −1/10!
    p = p * a2 + 1.0 / 40_320                 //  1/8!
    p = p * a2 - 1.0 / 720                    // −1/6!
    p = p * a2 + 1.0 / 24                     //  1/4!
    p = p * a2 - 0.5                          // −1/2!
    return 1 + a2 * p
}

/// The numbers that shape every technique. They are written here, once, so the
/// docs (docs/compiler.md) and the tests can name them.
public enum Shaping {
    /// Shortest ramp of intensity and pressure at every step edge, seconds.
    public static let minimumEdgeRamp = 1.0
    /// Share of a channel's slew limit an edge ramp may use. The rest is left to the
    /// technique's own rhythm (circles, pulses, presses), so that ramp and rhythm
    /// together stay under the limit (smoothstep × rhythm peaks at 0.83 of it).
    public static let edgeRampSlewShare = 0.25
    /// Share of a channel's slew limit a rhythm (pulse, press, compression) may use.
    public static let rhythmSlewShare = 0.75
    /// Share of the device's speed and acceleration small circles may use (the rest
    /// is left to the slow wander over the zone and to the radius easing in).
    public static let circleMotionShare = 0.5
    /// Shortest heat change between two steps, seconds (longer when the heat channel's
    /// slew limit asks for it).
    public static let minimumHeatRamp = 1.0
    /// Everything at zero at the rest position at the very end, seconds, so that a
    /// stream sampled at any rate (down to 1 Hz) ends on an exact zero frame.
    public static let finalSettle = 1.0
    /// Acceleration a person guiding a handheld is asked for, mm/s² (a handheld
    /// profile has no motor, so no acceleration of its own).
    public static let handGuidanceAcceleration = 400.0
    /// Slew limits assumed for channels a device does not have (their values are
    /// still computed: they tell the person what to do), full scale per second.
    public static let fallbackPressureSlew = 1.0
    public static let fallbackHeatSlew = 0.2

    /// Ramp time for a level to rise from 0 to `peak` with smoothstep while using at
    /// most `share` of `slew` (full scale per second): 1.5·peak / (share·slew).
    static func rampTime(peak: Double, slew: Double, share: Double, minimum: Double) -> Double {
        Swift.max(minimum, 1.5 * peak / (share * slew))
    }

    /// Depth (0…1) of a rhythm whose normalized shape has peak slope `shapeSlope`
    /// per second at depth 1 on a level `peak`, limited to the rhythm's share of `slew`.
    static func rhythmDepth(desired: Double, peak: Double, shapeSlope: Double, slew: Double) -> Double {
        guard peak > 0, shapeSlope > 0 else { return desired }
        return Swift.min(desired, rhythmSlewShare * slew / (peak * shapeSlope))
    }
}

/// The factor (0…1) that makes a piece of work start and end at zero: smoothstep up
/// over `rampIn` seconds, 1, smoothstep down over the last `rampOut` seconds.
/// Intensity and pressure are multiplied by it; so are the position offsets of
/// work around a centre (circles, wander), which therefore start and end at the centre.
struct EdgeEnvelope: Sendable, Equatable {
    var duration: Double
    var rampIn: Double
    var rampOut: Double

    /// Ramps are shortened to half the duration each when the piece is short.
    init(duration: Double, rampIn: Double, rampOut: Double) {
        self.duration = duration
        self.rampIn = Swift.min(rampIn, duration / 2)
        self.rampOut = Swift.min(rampOut, duration / 2)
    }

    @inline(__always)
    func factor(_ tau: Double) -> Double {
        var f = 1.0
        if tau < rampIn { f = smoothstep(tau / rampIn) }
        let left = duration - tau
        if left < rampOut { f = Swift.min(f, smoothstep(left / rampOut)) }
        return f
    }
}

/// Heat through one stretch of the timeline: from the level it had when the stretch
/// began to the level of its step, eased over `duration` seconds from `start`
/// (absolute time). Every segment of a step, and the travel before it, carries the same
/// ramp, so heat is continuous across segment edges.
struct HeatRamp: Sendable, Equatable {
    var from: Double
    var to: Double
    var start: Double
    var duration: Double

    static func constant(_ level: Double) -> HeatRamp {
        HeatRamp(from: level, to: level, start: 0, duration: 0)
    }

    @inline(__always)
    func value(at t: Double) -> Double {
        if from == to { return to }
        let u = duration > 0 ? (t - start) / duration : 1
        return from + (to - from) * smoothstep(u)
    }
}

/// A point and an offset around it, for work that circles or wanders about a centre.
@inline(__always)
func offset(_ p: BackPoint, _ dx: Double, _ dy: Double) -> BackPoint {
    BackPoint(x: p.x + dx, y: p.y + dy)
}

/// a → b at u (0…1), exact at both ends (a at u ≤ 0, b at u ≥ 1) and exactly a all
/// the way when a == b, so "on the line" and "ends at the neck base" hold bit for bit.
@inline(__always)
func mix(_ a: Double, _ b: Double, _ u: Double) -> Double {
    if !(u > 0) { return a }
    if u >= 1 { return b }
    return a + (b - a) * u
}

@inline(__always)
func mix(_ a: BackPoint, _ b: BackPoint, _ u: Double) -> BackPoint {
    BackPoint(x: mix(a.x, b.x, u), y: mix(a.y, b.y, u))
}
