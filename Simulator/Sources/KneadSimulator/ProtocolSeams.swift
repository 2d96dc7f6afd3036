import KneadEngine

/// The device side of a protocol, as firmware would run it: bytes come in from the
/// host in any chunking; it acts on the device (setpoints, stop, heartbeat) and may
/// answer (identity, acks, telemetry) through `SimulatedDevice`.
///
/// This is the seam the TCode and knead-wire codecs plug into to run on the
/// simulator's physics, in process (`PipeSimulatorBackend`) or on a pseudo-terminal
/// (`knead sim`). `SimLinkDeviceSide` is the simulator's own implementation.
public protocol DeviceSideProtocol {
    /// The protocol's name, reported in the device identity (`sim-link`, `tcode`, `kwp`).
    var protocolName: String { get }
    /// Bytes that arrived from the host at `device.arrivalTime`.
    mutating func receive(_ bytes: ArraySlice<UInt8>, device: SimulatedDevice)
}

/// The host side of a protocol, for `PipeSimulatorBackend`: turns what the engine
/// asks into bytes, and reads the device's identity.
public protocol HostSideProtocol {
    var protocolName: String { get }
    /// Bytes asking the device who it is (empty if the protocol has no such request).
    mutating func identifyRequest() -> [UInt8]
    /// Feeds bytes from the device; returns the identity once it is complete.
    mutating func readIdentity(_ bytes: [UInt8]) -> DeviceIdentity?
    /// A setpoint meant for device time `due`: to take effect on arrival or at `due`.
    mutating func encode(_ setpoint: DeviceSetpoint, due: Double, timing: SetpointTiming) -> [UInt8]
    mutating func encodeStop() -> [UInt8]
    mutating func encodeHeartbeat() -> [UInt8]
}

/// A simulated device as a byte-speaking peer: the physical model plus a protocol's
/// device side. Feed it what arrives from the host with `receive(_:at:)`; collect
/// what it answers with `takeReplies()`. Not thread-safe: one owner at a time.
public final class SimulatedDevice {
    public let model: DeviceModel
    public let identity: DeviceIdentity
    private var deviceSide: any DeviceSideProtocol
    private var outbound: [UInt8] = []
    /// Device time of the bytes being decoded; commands take effect from here.
    public private(set) var arrivalTime: Double

    public init(model: DeviceModel, deviceSide: any DeviceSideProtocol, firmware: String = SimulatorBackend.firmware) {
        self.model = model
        self.deviceSide = deviceSide
        self.identity = DeviceIdentity(model: "knead simulator (\(model.profile.name))", firmware: firmware,
                                       protocolName: deviceSide.protocolName)
        self.arrivalTime = model.time
    }

    /// Bytes from the host reach the device at device time `time`: the device runs up
    /// to then and its protocol side decodes them.
    public func receive(_ bytes: some Collection<UInt8>, at time: Double) {
        model.advance(to: time)
        arrivalTime = Swift.max(time, model.time)
        deviceSide.receive(ArraySlice(bytes), device: self)
    }

    /// What the device has answered since the last call.
    public func takeReplies() -> [UInt8] {
        defer { outbound.removeAll(keepingCapacity: true) }
        return outbound
    }

    // MARK: For a protocol's device side

    /// Acts on a decoded command as of `arrivalTime`.
    public func execute(_ command: DeviceCommand) {
        model.receive(command, at: arrivalTime)
    }

    /// Sends bytes back to the host.
    public func reply(_ bytes: some Sequence<UInt8>) {
        outbound.append(contentsOf: bytes)
    }

    /// A message failed its integrity check and was discarded.
    public func noteRejected() {
        model.noteRejectedMessage()
    }
}
