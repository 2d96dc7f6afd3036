import KneadCore
import KneadEngine

/// What the simulated device is doing at one tick: its setpoints (after quantization)
/// and what the hardware actually does.
public struct DeviceState: Sendable, Equatable {
    /// Device time, seconds.
    public var time: Double
    /// Setpoints in force, quantized to the device's steps: levels 0…1, position in mm.
    public var setIntensity: Double
    public var setX: Double
    public var setY: Double
    public var setPressure: Double
    public var setHeat: Double
    /// Actual intensity 0…1 (after the motor lag).
    public var intensity: Double
    /// Actual roller position, mm (see `BodyMapping`).
    public var x: Double
    public var y: Double
    /// Roller velocity, mm/s.
    public var velocityX: Double
    public var velocityY: Double
    /// Actual pressure 0…1.
    public var pressure: Double
    /// Heat pad temperature, °C.
    public var temperature: Double
    /// The actual position in anatomical coordinates.
    public var position: BackPoint
    /// Levels below which the actual intensity counts as zero (half the smallest step).
    public var intensityZeroThreshold: Double

    /// Every setpoint zero and the hardware there: what every way out must leave.
    public var isAtZero: Bool {
        setIntensity == 0 && setPressure == 0 && setHeat == 0
            && intensity < intensityZeroThreshold && pressure == 0
    }
}

/// Things the device noted at a tick; they appear in the trace's `event` column.
public struct DeviceEvents: OptionSet, Sendable, Hashable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// A stop command was acted on.
    public static let stop = DeviceEvents(rawValue: 1 << 0)
    /// The host fell silent for the watchdog period; setpoints ramp to zero.
    public static let watchdog = DeviceEvents(rawValue: 1 << 1)
    /// The device's control loop stopped processing (fault injection).
    public static let stall = DeviceEvents(rawValue: 1 << 2)
    /// The control loop runs again after a stall.
    public static let resume = DeviceEvents(rawValue: 1 << 3)
    /// The link went down (fault injection).
    public static let disconnect = DeviceEvents(rawValue: 1 << 4)
    /// A scheduled frame was refused because the lead buffer was full.
    public static let overflow = DeviceEvents(rawValue: 1 << 5)
    /// The heat pad reached its maximum temperature and the element cut out.
    public static let heatCutoff = DeviceEvents(rawValue: 1 << 6)
    /// A message failed its integrity check and was discarded.
    public static let rejected = DeviceEvents(rawValue: 1 << 7)

    static let all: [(DeviceEvents, TelemetryEvent)] = [
        (.stop, .stop), (.watchdog, .watchdog), (.stall, .stall), (.resume, .resume),
        (.disconnect, .disconnect), (.overflow, .overflow), (.heatCutoff, .heatCutoff),
        (.rejected, .rejected),
    ]

    /// In a fixed order.
    public var telemetryEvents: [TelemetryEvent] {
        rawValue == 0 ? [] : Self.all.filter { contains($0.0) }.map(\.1)
    }

    /// The trace's spelling: names joined with `|`, in a fixed order; empty for no event.
    public var label: String {
        telemetryEvents.map(\.description).joined(separator: "|")
    }
}

/// What the device counted while running.
public struct DeviceCounters: Sendable, Equatable {
    /// Setpoint messages the device received (on arrival, or into its lead buffer).
    public var framesReceived = 0
    /// Setpoints put in force.
    public var framesApplied = 0
    /// Setpoints put in force more than one tick after their due time.
    public var framesLate = 0
    /// Scheduled setpoints refused because the lead buffer was full.
    public var leadOverflows = 0
    public var heartbeats = 0
    public var stops = 0
    public var watchdogFirings = 0
    /// Messages a protocol's device side discarded (bad checksum, garbage).
    public var rejectedMessages = 0
    /// Device time the last stop was acted on.
    public var lastStopTime: Double?
    public init() {}
}
