/// All the numbers the envelope enforces, resolved from the person, the pattern and
/// the device profile (the lowest cap wins). docs/safety.md gives each number and why.
///
/// `maxIntensity` and `maxPressure` are the caps of the pattern and the device (and
/// the envelope's own absolute ceilings). The person's cap is kept apart in
/// `personCap`, because the person may move it while playing (the + and - keys) but
/// never above what the pattern and the device allow: the envelope applies
/// `min(maxIntensity, personCap)` to intensity and `min(maxPressure, personCap)` to
/// pressure (`effectiveMaxIntensity`, `effectiveMaxPressure`).
public struct SafetyLimits: Sendable, Equatable {
    public var maxIntensity: Level
    public var maxPressure: Level
    public var maxHeat: Level
    /// Full scale per second.
    public var intensitySlew: Double
    public var pressureSlew: Double
    public var heatSlew: Double
    /// Normalized back units per second.
    public var positionSpeed: Double
    /// Longest session, seconds.
    public var sessionCap: Double
    /// Longest time firm pressure may stay on one point, seconds.
    public var maxFirmHold: Double
    /// Every way out (the end of the stream, the session cap, a stop) reaches zero within
    /// this, seconds: the device's stop ramp, at most `longestStopRamp`.
    public var endRamp: Double
    /// Soft start: intensity ramps in over this many seconds.
    public var startRamp: Double
    /// The person's own cap on intensity and pressure at the start (1 when none was given).
    public var personCap: Level = 1
    /// Firm pressure that stays within this distance (normalized back units) of where
    /// it began counts as pressing one point.
    public var firmHoldRadius: Double = SafetyLimits.firmHoldRadiusMillimetres / BodyProfile.default.shoulderHeight

    public init(maxIntensity: Level, maxPressure: Level, maxHeat: Level, intensitySlew: Double,
                pressureSlew: Double, heatSlew: Double, positionSpeed: Double, sessionCap: Double,
                maxFirmHold: Double, endRamp: Double, startRamp: Double) {
        self.maxIntensity = maxIntensity
        self.maxPressure = maxPressure
        self.maxHeat = maxHeat
        self.intensitySlew = intensitySlew
        self.pressureSlew = pressureSlew
        self.heatSlew = heatSlew
        self.positionSpeed = positionSpeed
        self.sessionCap = sessionCap
        self.maxFirmHold = maxFirmHold
        self.endRamp = endRamp
        self.startRamp = startRamp
    }

    /// The intensity cap in force when the person has not moved their cap.
    public var effectiveMaxIntensity: Level { Swift.min(maxIntensity.unitClamped, personCap.unitClamped) }
    /// The pressure cap in force when the person has not moved their cap.
    public var effectiveMaxPressure: Level { Swift.min(maxPressure.unitClamped, personCap.unitClamped) }

    // MARK: The envelope's own numbers (docs/safety.md says why each is what it is)

    /// The default session cap: 30 minutes unless the person raises it.
    public static let defaultSessionCap: Double = 30 * 60
    /// A raised session cap never goes beyond this: twice the longest professional session (90 min).
    public static let longestSessionCap: Double = 3 * 60 * 60
    /// The longest a way out may take to reach zero (`DeviceProfile.stopRamp`), seconds.
    public static let longestStopRamp: Double = 0.3

    /// A profile's stop ramp within 0…`longestStopRamp`; NaN or negative gives the default.
    static func resolvedStopRamp(_ ramp: Double) -> Double {
        guard !ramp.isNaN, ramp >= 0 else { return DeviceProfile.defaultStopRamp }
        return Swift.min(ramp, longestStopRamp)
    }
    /// Heat never goes above this fraction of the element's full output, whatever the profile says.
    public static let absoluteMaxHeat: Level = 0.8
    /// Intensity and pressure never change faster than this, full scale per second.
    public static let absoluteMaxSlew: Double = 10
    /// Heat never changes faster than this, full scale per second.
    public static let absoluteMaxHeatSlew: Double = 1
    /// Nothing moves over the back faster than this, mm/s.
    public static let absoluteMaxSpeed: Double = 250
    /// Firm pressure on one point is eased after this long, seconds.
    public static let defaultMaxFirmHold: Double = 35
    /// Radius of "one point" for the firm-hold cap, mm.
    public static let firmHoldRadiusMillimetres: Double = 30
    /// Soft start and resume ramp, seconds.
    public static let defaultStartRamp: Double = 3
    /// Pressure the envelope eases to on the spine line and after the firm-hold cap:
    /// `medium`, a clear margin below `firmPressureThreshold` that device quantization
    /// cannot round back up to firm.
    public static let relievedPressure: Level = PressureName.medium.level
    /// Body sizes outside this range (mm) are taken as the nearest end of it.
    public static let plausibleBodySize: ClosedRange<Double> = 100...1000

    /// The limits for one session: the device profile's channels, the body's size, the
    /// pattern's `limits:`, the person's cap (`--max-intensity`) and session cap.
    ///
    /// Every input is sanitized: NaN or negative caps become 0, NaN slews become 0
    /// (the channel cannot move), and each number is held within the envelope's
    /// absolute ceilings above.
    public static func resolve(device: DeviceProfile, body: BodyProfile = .default,
                               pattern: PatternLimits = .init(), personCap: Level? = nil,
                               sessionCap: Double? = nil) -> SafetyLimits {
        let intensityCap = Swift.min(device.intensity.max.unitClamped, (pattern.intensity ?? 1).unitClamped)
        let intensitySlew = clampedRate(device.intensity.maxSlew, ceiling: absoluteMaxSlew)

        // A device without a pressure channel or a heating element gets 0 there:
        // frames never ask it for something it cannot do.
        let pressureCap = device.pressure.map { Swift.min($0.max.unitClamped, (pattern.pressure ?? 1).unitClamped) } ?? 0
        let pressureSlew = device.pressure.map { clampedRate($0.maxSlew, ceiling: absoluteMaxSlew) } ?? 0
        let heatCap = device.heat.map {
            Swift.min($0.channel.max.unitClamped, (pattern.heat ?? 1).unitClamped, absoluteMaxHeat)
        } ?? 0
        let heatSlew = device.heat.map { clampedRate($0.channel.maxSlew, ceiling: absoluteMaxHeatSlew) } ?? 0

        let height = plausible(body.shoulderHeight, fallback: BodyProfile.default.shoulderHeight)
        let width = plausible(body.backWidth, fallback: BodyProfile.default.backWidth)
        // The same conversion as `DeviceProfile.travelSpeed(for:)`: dividing by the
        // larger dimension keeps the speed in mm/s within the limit on every axis.
        let speedMillimetres = clampedRate(device.position?.maxSpeed ?? BodyProfile.handGuidanceSpeed,
                                           ceiling: absoluteMaxSpeed)
        let positionSpeed = speedMillimetres / Swift.max(height, width)

        // Every way out reaches zero within the device's stop ramp (at most 300 ms),
        // faster than the slew limits where they would take longer: leaving wins.
        let endRamp = resolvedStopRamp(device.stopRamp)

        var limits = SafetyLimits(
            maxIntensity: intensityCap, maxPressure: pressureCap, maxHeat: heatCap,
            intensitySlew: intensitySlew, pressureSlew: pressureSlew, heatSlew: heatSlew,
            positionSpeed: positionSpeed, sessionCap: resolvedSessionCap(sessionCap),
            maxFirmHold: defaultMaxFirmHold, endRamp: endRamp, startRamp: defaultStartRamp)
        limits.personCap = (personCap ?? 1).unitClamped
        // Divided by the smaller dimension: every pair of points within 30 mm of each
        // other on this body is within this normalized distance, so none escapes the cap.
        limits.firmHoldRadius = firmHoldRadiusMillimetres / Swift.min(height, width)
        return limits
    }

    /// The person's session cap, or the default; NaN or negative means "not given";
    /// a raised cap stops at `longestSessionCap`.
    static func resolvedSessionCap(_ asked: Double?) -> Double {
        guard let asked, !asked.isNaN, asked >= 0 else { return defaultSessionCap }
        return Swift.min(asked, longestSessionCap)
    }

    /// A rate from a profile: NaN or negative becomes 0 (nothing moves), anything
    /// above the ceiling becomes the ceiling.
    static func clampedRate(_ rate: Double, ceiling: Double) -> Double {
        guard !rate.isNaN, rate > 0 else { return 0 }
        return Swift.min(rate, ceiling)
    }

    static func plausible(_ size: Double, fallback: Double) -> Double {
        guard size.isFinite else { return fallback }
        return Swift.min(plausibleBodySize.upperBound, Swift.max(plausibleBodySize.lowerBound, size))
    }

    static func rampTime(_ cap: Level, _ slew: Double) -> Double {
        slew > 0 ? cap / slew : 0
    }
}
