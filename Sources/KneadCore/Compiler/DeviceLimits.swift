/// What the compiler needs to know about the device and the body to keep its output
/// within what the device can do: slew limits for the level channels, and the speed
/// and acceleration of the head over this person's back.
///
/// Channels a device lacks (a handheld has no pressure, no heat, no motor) still get
/// values in the frames — they tell the person what to do — and are shaped with the
/// fallback limits of `Shaping`.
struct DeviceLimits: Sendable {
    var intensitySlew: Double
    var pressureSlew: Double
    var heatSlew: Double
    /// Normalized back units per second (`DeviceProfile.travelSpeed(for:)`).
    var travelSpeed: Double
    /// Head speed and acceleration over the back, mm/s and mm/s².
    var maxSpeed: Double
    var maxAcceleration: Double
    var body: BodyProfile
    /// The rhythm the device makes itself, if it has one.
    var percussion: DeviceProfile.Percussion?

    init(device: DeviceProfile, body person: BodyProfile) throws(CompileError) {
        func usable(_ value: Double, _ what: String) throws(CompileError) -> Double {
            guard value.isFinite, value > 0 else {
                throw CompileError("\(what) must be a positive number, got \(value); fix the profile",
                                   at: .unknown)
            }
            return value
        }
        percussion = device.percussion
        let name = "device profile '\(device.name)':"
        body = BodyProfile(shoulderHeight: try usable(person.shoulderHeight, "body profile: shoulder height"),
                           backWidth: try usable(person.backWidth, "body profile: back width"))
        intensitySlew = try usable(device.intensity.maxSlew, "\(name) intensity slew")
        pressureSlew = try usable(device.pressure?.maxSlew ?? Shaping.fallbackPressureSlew,
                                  "\(name) pressure slew")
        heatSlew = try usable(device.heat?.channel.maxSlew ?? Shaping.fallbackHeatSlew, "\(name) heat slew")
        travelSpeed = try usable(device.travelSpeed(for: body), "\(name) travel speed")
        maxSpeed = try usable(device.position?.maxSpeed ?? BodyProfile.handGuidanceSpeed, "\(name) position speed")
        maxAcceleration = try usable(device.position?.maxAcceleration ?? Shaping.handGuidanceAcceleration,
                                     "\(name) position acceleration")
    }

    /// Millimetres to normalized units along each axis.
    func unitsX(_ mm: Double) -> Double { mm / body.backWidth }
    func unitsY(_ mm: Double) -> Double { mm / body.shoulderHeight }

    /// Edge ramp for a step whose levels peak at `intensity` and `pressure`.
    func edgeRamp(intensity: Double, pressure: Double, minimum: Double = Shaping.minimumEdgeRamp) -> Double {
        Swift.max(Shaping.rampTime(peak: intensity, slew: intensitySlew, share: Shaping.edgeRampSlewShare,
                                   minimum: minimum),
                  Shaping.rampTime(peak: pressure, slew: pressureSlew, share: Shaping.edgeRampSlewShare,
                                   minimum: minimum))
    }

    /// Radius (mm) of circles of `period` seconds: the wanted radius, made smaller when
    /// the device could not follow it within `Shaping.circleMotionShare` of its speed
    /// and acceleration.
    func circleRadius(wanted: Double, period: Double) -> Double {
        let omega = 2 * Double.pi / period
        let share = Shaping.circleMotionShare
        return Swift.min(wanted, share * maxSpeed / omega, share * maxAcceleration / (omega * omega))
    }

    /// Time to move `from` → `to` with smoothstep easing: the peak speed (1.5 × mean)
    /// stays within the travel speed, the peak acceleration (6·d/T²) within the device's.
    func travelTime(from a: BackPoint, to b: BackPoint) -> Double {
        let units = a.distance(to: b)
        let mm = body.millimetres(from: a, to: b)
        return Swift.max(1.5 * units / travelSpeed, (6 * mm / maxAcceleration).squareRoot())
    }

    /// Time to move heat by `change` (0…1) within the heat channel's slew limit.
    func heatRamp(_ change: Double) -> Double {
        Shaping.rampTime(peak: abs(change), slew: heatSlew, share: 1, minimum: Shaping.minimumHeatRamp)
    }
}
