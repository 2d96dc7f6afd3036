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
/// Within about 2e-16 of the true value for |turns| < 2⁵⁰ (beyond, a double holds no
/// fraction of a turn: the angle is 0).
@inline(__always)
func sinCosTurns(_ turns: Double) -> (sin: Double, cos: Double) {
    let (quadrant, a) = reduceTurns(turns)
    let s = sinKernel(a), c = cosKernel(a)
    switch quadrant {
    case 0: return (s, c)
    case 1: return (c, -s)
    case 2: return (-s, -c)
    default: return (-c, s)
    }
}

@inline(__always)
package func sinTurns(_ turns: Double) -> Double {
    let (quadrant, a) = reduceTurns(turns)
    switch quadrant {
    case 0: return sinKernel(a)
    case 1: return cosKernel(a)
    case 2: return -sinKernel(a)
    default: return -cosKernel(a)
    }
}

@inline(__always)
package func cosTurns(_ turns: Double) -> Double {
    let (quadrant, a) = reduceTurns(turns)
    switch quadrant {
    case 0: return cosKernel(a)
    case 1: return -sinKernel(a)
    case 2: return -cosKernel(a)
    default: return sinKernel(a)
    }
}

/// sin²(π·turns) = (1 − cos 2π·turns)/2: a pulse from 0 up to 1 and back to 0 over
/// each whole turn, with zero slope at both ends.
@inline(__always)
func pulse(_ turns: Double) -> Double {
    (1 - cosTurns(turns)) * 0.5
}

/// The nearest quarter turn (mod 4) and the rest as an angle in [−π/4, π/4]. Both
/// steps are exact in binary floating point; only the final ×2π rounds.
@inline(__always)
private func reduceTurns(_ turns: Double) -> (quadrant: Int, angle: Double) {
    guard abs(turns) < 0x1p50 else { return (0, 0) }
    let quarters = roundedToNearest(turns * 4)
    let angle = (turns * 4 - quarters) * (0.5 * Double.pi)
    return (Int(quarters) & 3, angle)
}

/// Round to nearest (ties to even) for |x| < 2⁵¹, in plain arithmetic: adding 1.5·2⁵²
/// pushes the fraction out of the significand. Inlined, where libm's round() is a call.
@inline(__always)
func roundedToNearest(_ x: Double) -> Double {
    let magic = 0x1.8p52
    return (x + magic) - magic
}

// Minimax polynomials for |a| ≤ π/4 (Cephes sin.c; relative error < 1.2e-16),
// evaluated with Estrin's scheme so the multiplications overlap.

@inline(__always)
private func sinKernel(_ a: Double) -> Double {
    let z = a * a, z2 = z * z
    let p = (-1.66666666666666307295e-1 + 8.33333333332211858878e-3 * z)
        + z2 * ((-1.98412698295895385996e-4 + 2.75573136213857245213e-6 * z)
            + z2 * (-2.50507477628578072866e-8 + 1.58962301576546568060e-10 * z))
    return a + a * z * p
}

@inline(__always)
private func cosKernel(_ a: Double) -> Double {
    let z = a * a, z2 = z * z
    let q = (4.16666666666665929218e-2 - 1.38888888888730564116e-3 * z)
        + z2 * ((2.48015872888517045348e-5 - 2.75573141792967388112e-7 * z)
            + z2 * (2.08757008419747316778e-9 - 1.13585365213876817300e-11 * z))
    return 1 - 0.5 * z + z2 * q
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
