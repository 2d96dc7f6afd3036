/// `SafetyLimits` as the envelope applies them: every number sanitized once, when the
/// envelope is made, so `admit` never meets a NaN, a negative rate or a cap above 1,
/// whoever built the limits.
struct SafetyRules: Sendable {
    let maxIntensity: Level
    let maxPressure: Level
    let maxHeat: Level
    let intensitySlew: Double
    let pressureSlew: Double
    let heatSlew: Double
    /// Rates for the final ramp and a stop: the slew limits, or faster only when the
    /// limits were built with an `endRamp` too short for them (then reaching zero in time
    /// wins over the slew limit).
    let intensityEndRate: Double
    let pressureEndRate: Double
    let heatEndRate: Double
    let positionSpeed: Double
    let sessionCap: Double
    let maxFirmHold: Double
    let firmHoldRadius: Double
    let startRamp: Double
    let initialPersonCap: Level

    /// The fastest normalized speed any body allows under `SafetyLimits.absoluteMaxSpeed`.
    static let absoluteMaxPositionSpeed =
        SafetyLimits.absoluteMaxSpeed / SafetyLimits.plausibleBodySize.lowerBound

    init(_ limits: SafetyLimits) {
        maxIntensity = limits.maxIntensity.unitClamped
        maxPressure = limits.maxPressure.unitClamped
        maxHeat = Swift.min(limits.maxHeat.unitClamped, SafetyLimits.absoluteMaxHeat)
        intensitySlew = SafetyLimits.clampedRate(limits.intensitySlew, ceiling: SafetyLimits.absoluteMaxSlew)
        pressureSlew = SafetyLimits.clampedRate(limits.pressureSlew, ceiling: SafetyLimits.absoluteMaxSlew)
        heatSlew = SafetyLimits.clampedRate(limits.heatSlew, ceiling: SafetyLimits.absoluteMaxHeatSlew)
        intensityEndRate = Self.endRate(cap: maxIntensity, slew: intensitySlew, endRamp: limits.endRamp)
        pressureEndRate = Self.endRate(cap: maxPressure, slew: pressureSlew, endRamp: limits.endRamp)
        heatEndRate = Self.endRate(cap: maxHeat, slew: heatSlew, endRamp: limits.endRamp)
        positionSpeed = SafetyLimits.clampedRate(limits.positionSpeed, ceiling: Self.absoluteMaxPositionSpeed)
        sessionCap = SafetyLimits.resolvedSessionCap(limits.sessionCap)
        maxFirmHold = limits.maxFirmHold.isNaN ? 0 : Swift.max(0, limits.maxFirmHold)
        let radius = limits.firmHoldRadius
        firmHoldRadius = radius.isFinite && radius >= 0
            ? radius : SafetyLimits.firmHoldRadiusMillimetres / BodyProfile.default.shoulderHeight
        startRamp = limits.startRamp.isNaN || limits.startRamp < 0 ? SafetyLimits.defaultStartRamp : limits.startRamp
        initialPersonCap = limits.personCap.unitClamped
    }

    static func endRate(cap: Level, slew: Double, endRamp: Double) -> Double {
        guard endRamp.isFinite, endRamp >= 0 else { return slew }
        guard endRamp > 0 else { return .infinity }
        return Swift.max(slew, cap / endRamp)
    }
}
