/// One sample of what the device should do at one instant.
///
/// A frame is a small fixed-size value (no references, no strings), so a frame
/// stream costs the same memory whether the session lasts two minutes or two hours.
/// All channel values are 0…1 of what the device can do; position is anatomical
/// (see `BackPoint`), also for a handheld device, where it tells the person where
/// to hold it.
public struct Frame: Sendable, Equatable {
    /// Seconds since the start of the session.
    public var time: Double
    public var intensity: Double
    /// Anatomical position: x 0 (left edge) … 0.5 (spine) … 1 (right edge).
    public var x: Double
    /// Anatomical position: y 0 (lower end of the rib cage) … 1 (base of the neck).
    public var y: Double
    public var pressure: Double
    public var heat: Double
    /// The technique this frame belongs to (`.travel` between steps).
    public var technique: Technique
    /// Where the technique is applied (for travel: where it is going).
    public var target: Target
    /// Index of the step in the compiled timeline, or -1 for travel and the final ramp.
    public var step: Int32
    /// A rhythm the device makes itself (`DeviceProfile.percussion`): taps per second
    /// (0: none) and their depth, 0…1 of `intensity`. Intensity is then the level the
    /// taps reach, held steady, instead of each tap sampled.
    public var percussionRate: Double
    public var percussionDepth: Double

    public init(time: Double, intensity: Double, x: Double, y: Double, pressure: Double,
                heat: Double, technique: Technique, target: Target, step: Int32,
                percussionRate: Double = 0, percussionDepth: Double = 0) {
        self.time = time
        self.intensity = intensity
        self.x = x
        self.y = y
        self.pressure = pressure
        self.heat = heat
        self.technique = technique
        self.target = target
        self.step = step
        self.percussionRate = percussionRate
        self.percussionDepth = percussionDepth
    }

    public var position: BackPoint {
        get { BackPoint(x: x, y: y) }
        set { x = newValue.x; y = newValue.y }
    }

    /// The instant of "nothing happening" at a position: the state every way out ends in.
    public static func zero(at time: Double, position: BackPoint = .restPosition) -> Frame {
        Frame(time: time, intensity: 0, x: position.x, y: position.y, pressure: 0, heat: 0,
              technique: .rest, target: .point(position), step: -1)
    }
}
