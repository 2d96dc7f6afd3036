/// One tick of what the device should do, each channel 0…1 (x and y are anatomical
/// positions: see docs/protocol.md, section 2.5). The input of both encoders.
public struct ChannelValues: Equatable, Sendable {
    public var intensity: Double
    public var x: Double
    public var y: Double
    public var pressure: Double
    public var heat: Double

    public init(intensity: Double = 0, x: Double = 0.5, y: Double = 0.5, pressure: Double = 0,
                heat: Double = 0) {
        self.intensity = intensity
        self.x = x
        self.y = y
        self.pressure = pressure
        self.heat = heat
    }

    /// The channel's value by KWP channel.
    public subscript(channel: KWPChannel) -> Double {
        get {
            switch channel {
            case .intensity: return intensity
            case .x: return x
            case .y: return y
            case .pressure: return pressure
            case .heat: return heat
            }
        }
        set {
            switch channel {
            case .intensity: intensity = newValue
            case .x: x = newValue
            case .y: y = newValue
            case .pressure: pressure = newValue
            case .heat: heat = newValue
            }
        }
    }
}

extension KWPChannelValues {
    /// 0…1 to 0…65535, rounded; out of range clamps, NaN is 0.
    public init(_ values: ChannelValues) {
        func wire(_ value: Double) -> UInt16 {
            guard value > 0 else { return 0 }  // also NaN
            guard value < 1 else { return 0xFFFF }
            return UInt16((value * 65535).rounded())
        }
        self.init(intensity: wire(values.intensity), x: wire(values.x), y: wire(values.y),
                  pressure: wire(values.pressure), heat: wire(values.heat))
    }
}

extension ChannelValues {
    public init(_ wire: KWPChannelValues) {
        self.init(intensity: Double(wire.intensity) / 65535, x: Double(wire.x) / 65535,
                  y: Double(wire.y) / 65535, pressure: Double(wire.pressure) / 65535,
                  heat: Double(wire.heat) / 65535)
    }
}

extension KWPChannel {
    /// The channel's name in profiles and messages: intensity, x, y, pressure, heat.
    public var name: String {
        switch self {
        case .intensity: return "intensity"
        case .x: return "x"
        case .y: return "y"
        case .pressure: return "pressure"
        case .heat: return "heat"
        }
    }

    public init?(name: String) {
        guard let channel = KWPChannel.allCases.first(where: { $0.name == name.lowercased() }) else {
            return nil
        }
        self = channel
    }
}
