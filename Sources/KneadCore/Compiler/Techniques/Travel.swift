/// Travel: moving between where one piece of work ends and the next begins.
///
/// Intensity and pressure are 0 (the work before has eased out, the work after eases
/// in). Position follows smoothstep easing, p(τ) = a + (b − a)·s(τ/T), s(u) = 3u² − 2u³,
/// so it leaves and arrives at rest. Its peak speed is 1.5·|b − a|/T, so
/// T = max(1.5·|b − a| / travelSpeed, √(6·d_mm / a_max)): the profile's travel speed
/// is reached at mid-way and never exceeded, and the peak acceleration 6·d/T² stays
/// within the device's. Heat carries on (its ramp belongs to the step ahead).
struct TravelPlan: Sendable {
    var from: BackPoint
    var to: BackPoint
    var duration: Double

    @inline(__always)
    func setpoint(at tau: Double) -> Setpoint {
        let u = duration > 0 ? tau / duration : 1
        return Setpoint(intensity: 0, pressure: 0, at: mix(from, to, smoothstep(u)))
    }
}
