import KneadCore

/// What a device backend can do; the engine picks its streaming mode from this.
public struct BackendCapabilities: Sendable, Equatable {
    public enum Channel: String, Sendable, CaseIterable, Hashable {
        case intensity, position, pressure, heat
    }
    public enum Mode: Sendable, Equatable {
        /// Each frame is sent at its time (TCode and other devices without a clock).
        case immediate
        /// Frames are sent this many seconds ahead, stamped with their time, for
        /// devices that keep their own clock (the knead wire protocol). Default 0.15.
        case lead(Double)
    }
    public var channels: Set<Channel>
    /// Levels per channel (quantization), for reporting.
    public var intensitySteps: Int
    public var maxRate: Double
    public var mode: Mode

    public init(channels: Set<Channel>, intensitySteps: Int, maxRate: Double, mode: Mode) {
        self.channels = channels
        self.intensitySteps = intensitySteps
        self.maxRate = maxRate
        self.mode = mode
    }
}

/// Who answered at open.
public struct DeviceIdentity: Sendable, Equatable {
    public var model: String
    public var firmware: String
    public var protocolName: String
    public init(model: String, firmware: String, protocolName: String) {
        self.model = model
        self.firmware = firmware
        self.protocolName = protocolName
    }
}

/// What a device reports about itself while playing.
public struct Telemetry: Sendable, Equatable {
    public var time: Double
    public var intensity: Double
    public var x: Double
    public var y: Double
    public var pressure: Double
    public var temperature: Double
    /// What happened at this sample, in the order the device reports it; empty for none.
    public var events: [TelemetryEvent]
    public init(time: Double, intensity: Double, x: Double, y: Double, pressure: Double,
                temperature: Double, events: [TelemetryEvent] = []) {
        self.time = time
        self.intensity = intensity
        self.x = x
        self.y = y
        self.pressure = pressure
        self.temperature = temperature
        self.events = events
    }
}

/// Typed failures, so the command line can say what happened and pick an exit code.
public enum BackendError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The device went away (port vanished, hung up, USB unplugged).
    case disconnected(String)
    /// The device did not answer in time.
    case timedOut(String)
    /// The device or the OS refused (busy port, permission, a capability missing).
    case refused(String)
    /// The device answered with something that does not follow the protocol.
    case protocolError(String)

    public var description: String {
        switch self {
        case let .disconnected(s): return "device disconnected: \(s)"
        case let .timedOut(s): return "device timed out: \(s)"
        case let .refused(s): return "device refused: \(s)"
        case let .protocolError(s): return "protocol error: \(s)"
        }
    }
}

/// A device the engine can stream to. Drivers (codec + transport) and the simulator
/// implement it.
///
/// `send` is called from the engine's real-time thread only; `stop` may be called
/// from any thread (signal handling, the key reader) and must reach the device ahead
/// of anything queued or batched. By default the engine never lets `stop` overlap a
/// `send`, `flush` or `heartbeat` (a stop during one is made the moment it returns); a
/// backend whose stop cuts a blocked call short, and which sends nothing more in the
/// run once stopped, says so with `stopsDuringDeviceCalls`, and is then stopped at once.
public protocol Backend: AnyObject, Sendable {
    var capabilities: BackendCapabilities { get }
    /// Opens the device and asks who it is.
    func open() throws(BackendError) -> DeviceIdentity
    /// Hands one frame to the device: at its time (immediate) or ahead of it (lead).
    func send(_ frame: SafeFrame) throws(BackendError)
    /// Pushes out anything `send` batched. Called once per engine wakeup.
    func flush() throws(BackendError)
    /// Priority path: the device goes to zero now, skipping every queue and batch.
    func stop() throws(BackendError)
    /// Tells the device the host is alive when no frames are due.
    func heartbeat() throws(BackendError)
    /// What the device reports while playing.
    var telemetry: AsyncStream<Telemetry> { get }
    /// Releases the device. Always leaves it at zero.
    func close()
    /// Whether `stop()` may run while `send`, `flush` or `heartbeat` is under way on the
    /// engine's thread. Such a backend must (1) cut a call blocked on the line short and
    /// (2) send nothing more once stopped until `runWillStart()`: a frame a call in
    /// flight produces after the stop is dropped, never written behind it.
    var stopsDuringDeviceCalls: Bool { get }
    /// A run begins (the engine's thread, before the first frame): a stopped backend
    /// takes frames again.
    func runWillStart()
    /// After `close`: whether the device confirmed it is at zero (the knead wire
    /// protocol's STOPPED; a USB report device having taken its zero report); nil when
    /// the device cannot say (TCode has no reply to stop).
    var confirmedAtZero: Bool? { get }
    /// After `close`: what became of the frames `send` took, for a device that
    /// acknowledges them (the knead wire protocol); nil for one that cannot say.
    var delivery: FrameDelivery? { get }
}

/// What a device that acknowledges frames did with them, counted over the whole play.
public struct FrameDelivery: Sendable, Equatable {
    /// Frames the device acknowledged receiving.
    public var acknowledged: Int
    /// Frames sent that the device had not acknowledged when a stop ended the play: it
    /// may or may not have them.
    public var unconfirmed: Int
    /// Frames a stop discarded before they went out: the device never had them.
    public var unsent: Int
    /// Frames sent with less than the device's lead left before their time, so the device
    /// may have played them late.
    public var shortLead: Int

    public init(acknowledged: Int, unconfirmed: Int, unsent: Int, shortLead: Int) {
        self.acknowledged = acknowledged
        self.unconfirmed = unconfirmed
        self.unsent = unsent
        self.shortLead = shortLead
    }

    /// Frames the device may not have played: at the end of a play that went well, 0
    /// (the engine ends a play only after the device's lead, by when every frame is
    /// acknowledged); more means the link could not carry the frames as they came.
    public var missing: Int { unconfirmed + unsent }
}

extension Backend {
    public func flush() throws(BackendError) {}
    public var stopsDuringDeviceCalls: Bool { false }
    public func runWillStart() {}
    public var confirmedAtZero: Bool? { nil }
    public var delivery: FrameDelivery? { nil }
}
