import KneadCore

extension DeviceProtocol {
    /// Bytes that end a message from the host, for the drop fault.
    var messageEndings: [UInt8] {
        switch self {
        case .tcode: return [0x0A, 0x0D]
        case .kwp: return [0x00]
        case .xbox360Rumble, .rezTranceVibrator: return []
        }
    }
}

/// Something the served device or its port did, for the event log and the status line.
public struct ServeEvent: Sendable, Equatable {
    /// Device seconds since the simulator started.
    public var time: Double
    public var text: String
    public init(time: Double, text: String) {
        self.time = time
        self.text = text
    }
}

/// A protocol's device side driving the simulator's physical model, as a port serves
/// it: bytes arrive at device times that never go back, the device's own timers run
/// in `advance`, and what it answers is collected with `takeOutput`.
///
/// The protocol side owns the device's watchdog (TCode's vibration timeout, the knead
/// wire protocol's host-silence watchdog inside `KWPDevice`), so the model it drives
/// has its own turned off: one device, one watchdog.
protocol ServedDevice: AnyObject {
    var model: DeviceModel { get }
    var servedProtocol: DeviceProtocol { get }
    /// Bytes from the host that have all arrived by device time `time`.
    func receive(_ bytes: ArraySlice<UInt8>, at time: Double)
    /// Runs the protocol's timers and the model up to `time`.
    func advance(to time: Double)
    /// What the device sends the host, since the last call.
    func takeOutput() -> [UInt8]
    /// The host closed the port: forget any message it left half sent.
    func hostLeft(at time: Double)
    /// Events since the last call.
    func takeEvents() -> [ServeEvent]
    /// What to show about the protocol on the status line (last line, state…).
    var statusNote: String { get }
    /// The protocol's counters for the report.
    var protocolReport: ServeReport.ProtocolCounters { get }
    /// STOPs (TCode: `DSTOP`) acted on so far.
    var stopsReceived: Int { get }
}

extension DeviceModel.Configuration {
    /// The model a served protocol drives: its watchdog is the protocol side's.
    static func served(body: BodyProfile, tickRate: Int = 1000) -> DeviceModel.Configuration {
        DeviceModel.Configuration(tickRate: tickRate, startTime: 0, watchdogPeriod: .infinity, body: body)
    }
}

extension DeviceModel {
    /// The simulator is about to end (a hang-up): one more tick, so the trace gets the
    /// row that carries the events just marked.
    func writeMarksNow(after time: Double) {
        advance(to: time + 1 / Double(tickRate))
    }

    /// Runs the model to `time` and hands it a setpoint that takes effect there.
    func applyNow(_ setpoint: DeviceSetpoint, at time: Double) {
        advance(to: time)
        receive(.setpoint(setpoint, due: time, timing: .onArrival), at: time)
    }
}
