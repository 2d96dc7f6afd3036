/// A frame that has passed the safety envelope. Only the envelope can make one
/// (the initializer is internal), and every backend takes `SafeFrame`, so no stream
/// reaches a device without passing the envelope.
public struct SafeFrame: Sendable, Equatable {
    public let frame: Frame
    init(_ frame: Frame) { self.frame = frame }

    public var time: Double { frame.time }
    public var intensity: Double { frame.intensity }
    public var pressure: Double { frame.pressure }
    public var heat: Double { frame.heat }
    public var position: BackPoint { frame.position }

    /// Intensity, pressure and heat are all exactly 0.
    public var isZero: Bool { frame.intensity == 0 && frame.pressure == 0 && frame.heat == 0 }
}
