/// What a device announces about itself and how big its buffers are.
public struct KWPDeviceConfiguration: Sendable, Equatable {
    public var parameters: KWPDeviceParameters
    /// The channels the device has (each at most once); FRAMES may use only these.
    public var channels: [KWPChannelInfo]
    /// UTF-8, at most 32 bytes each (longer text is cut in IDENTIFY).
    public var model: [UInt8]
    public var firmware: [UInt8]
    /// Channel values before the first setpoint (where the positions rest at power-up).
    public var rest: KWPChannelValues
    /// Bytes the device can hold for sending before it must drop a packet.
    public var outputCapacity: Int

    public init(parameters: KWPDeviceParameters = KWPDeviceParameters(),
                channels: [KWPChannelInfo], model: [UInt8], firmware: [UInt8],
                rest: KWPChannelValues = .zero, outputCapacity: Int = 1024) {
        self.parameters = parameters
        self.channels = channels
        self.model = model
        self.firmware = firmware
        self.rest = rest
        self.outputCapacity = outputCapacity
    }

    /// The FRAMES channel mask of this device.
    public var channelMask: UInt8 {
        var mask: UInt8 = 0
        for info in channels { mask |= info.channel.maskBit }
        return mask
    }
}

/// Counters a device keeps about its link, for telemetry screens and tests.
public struct KWPDeviceStatistics: Equatable, Sendable {
    /// Valid packets received from the host.
    public var packets = 0
    /// Frames dropped for bad COBS, bad CRC, overflow or a short length.
    public var droppedFrames = 0
    /// FRAMES packets received again after they were accepted (ignored).
    public var duplicates = 0
    /// FRAMES packets refused because one before them was missing.
    public var gaps = 0
    /// FRAMES packets refused for lack of room.
    public var refusedNoRoom = 0
    /// Setpoints accepted into the queue, and executed from it.
    public var accepted = 0
    public var executed = 0
    /// Setpoints that arrived after their time.
    public var late = 0
    public var stops = 0
    public var watchdogTrips = 0
    /// Packets the device could not send because its output buffer was full.
    public var outputDropped = 0

    public init() {}
}
