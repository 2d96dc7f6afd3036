import KneadCore

/// What the host asks the device to do at one instant, before the device's own
/// quantization: every level 0…1 of what the device can do, position anatomical
/// (see `BackPoint`). This is what any protocol's device side decodes into.
public struct DeviceSetpoint: Sendable, Equatable {
    public var intensity: Double
    /// Anatomical position: x 0 (left edge) … 0.5 (spine) … 1 (right edge).
    public var x: Double
    /// Anatomical position: y 0 (lower end of the rib cage) … 1 (base of the neck).
    public var y: Double
    public var pressure: Double
    public var heat: Double
    /// Taps the device's own mechanism makes (a chair's percussion): Hz (0: none) and
    /// depth 0…1 of the intensity.
    public var percussionRate: Double
    public var percussionDepth: Double

    public init(intensity: Double, x: Double, y: Double, pressure: Double = 0, heat: Double = 0,
                percussionRate: Double = 0, percussionDepth: Double = 0) {
        self.intensity = intensity
        self.x = x
        self.y = y
        self.pressure = pressure
        self.heat = heat
        self.percussionRate = percussionRate
        self.percussionDepth = percussionDepth
    }

    public init(_ frame: Frame) {
        self.init(intensity: frame.intensity, x: frame.x, y: frame.y, pressure: frame.pressure,
                  heat: frame.heat, percussionRate: frame.percussionRate, percussionDepth: frame.percussionDepth)
    }

    public var position: BackPoint { BackPoint(x: x, y: y) }
}

/// When a received setpoint takes effect.
public enum SetpointTiming: Sendable, Equatable {
    /// As soon as the device has it (immediate-mode protocols such as TCode).
    case onArrival
    /// At its due time, from the device's bounded lead buffer (the knead wire protocol).
    case scheduled
}

/// One thing a protocol's device side hands to the model.
public enum DeviceCommand: Sendable, Equatable {
    /// `due` is the device time the setpoint is meant for: with `.scheduled` the device
    /// waits for it; with `.onArrival` it is only the reference for the timing error.
    case setpoint(DeviceSetpoint, due: Double, timing: SetpointTiming)
    /// Priority path: every setpoint to zero now, lead buffer emptied, roller halted.
    case stop
    /// The host is alive; re-arms the watchdog.
    case heartbeat
}
