/// One tick of what the device should do, each channel 0…1 (x and y are anatomical
/// positions: see docs/protocol.md, section 2.5) except percussion rate, in hertz. The
/// input of both encoders.
public struct ChannelValues: Equatable, Sendable {
    public var intensity: Double
    public var x: Double
    public var y: Double
    public var pressure: Double
    public var heat: Double
    /// Taps a second the device's own mechanism makes (0: none), and their depth 0…1.
    public var percussionRate: Double
    public var percussionDepth: Double

    public init(intensity: Double = 0, x: Double = 0.5, y: Double = 0.5, pressure: Double = 0,
                heat: Double = 0, percussionRate: Double = 0, percussionDepth: Double = 0) {
        self.intensity = intensity
        self.x = x
        self.y = y
        self.pressure = pressure
        self.heat = heat
        self.percussionRate = percussionRate
        self.percussionDepth = percussionDepth
    }

    /// The wire's scale for percussion rate: hundredths of a hertz.
    public static let percussionRateUnitsPerHertz = 100.0

    /// The channel's value by KWP channel.
    public subscript(channel: KWPChannel) -> Double {
        get {
            switch channel {
            case .intensity: return intensity
            case .x: return x
            case .y: return y
            case .pressure: return pressure
            case .heat: return heat
            case .percussionRate: return percussionRate
            case .percussionDepth: return percussionDepth
            }
        }
        set {
            switch channel {
            case .intensity: intensity = newValue
            case .x: x = newValue
            case .y: y = newValue
            case .pressure: pressure = newValue
            case .heat: heat = newValue
            case .percussionRate: percussionRate = newValue
            case .percussionDepth: percussionDepth = newValue
            }
        }
    }
}

extension KWPChannelValues {
    /// 0…1 to 0…65535 (percussion rate: hertz to hundredths), rounded; out of range
    /// clamps, NaN is 0.
    public init(_ values: ChannelValues) {
        func wire(_ value: Double, scale: Double = 65535) -> UInt16 {
            guard value > 0 else { return 0 }  // also NaN
            let scaled = (value * scale).rounded()
            return scaled < 65535 ? UInt16(scaled) : 0xFFFF
        }
        self.init(intensity: wire(values.intensity), x: wire(values.x), y: wire(values.y),
                  pressure: wire(values.pressure), heat: wire(values.heat),
                  percussionRate: wire(values.percussionRate, scale: ChannelValues.percussionRateUnitsPerHertz),
                  percussionDepth: wire(values.percussionDepth))
    }
}

extension ChannelValues {
    public init(_ wire: KWPChannelValues) {
        self.init(intensity: Double(wire.intensity) / 65535, x: Double(wire.x) / 65535,
                  y: Double(wire.y) / 65535, pressure: Double(wire.pressure) / 65535,
                  heat: Double(wire.heat) / 65535,
                  percussionRate: Double(wire.percussionRate) / ChannelValues.percussionRateUnitsPerHertz,
                  percussionDepth: Double(wire.percussionDepth) / 65535)
    }
}

extension KWPChannel {
    /// The channel's name in profiles and messages: intensity, x, y, pressure, heat,
    /// percussion-rate, percussion-depth.
    public var name: String {
        switch self {
        case .intensity: return "intensity"
        case .x: return "x"
        case .y: return "y"
        case .pressure: return "pressure"
        case .heat: return "heat"
        case .percussionRate: return "percussion-rate"
        case .percussionDepth: return "percussion-depth"
        }
    }

    public init?(name: String) {
        guard let channel = KWPChannel.allCases.first(where: { $0.name == name.lowercased() }) else {
            return nil
        }
        self = channel
    }
}
