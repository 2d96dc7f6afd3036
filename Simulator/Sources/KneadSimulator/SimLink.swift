import KneadEngine
import KneadWire

/// The simulator's own byte protocol ("sim-link"), used by `PipeSimulatorBackend`
/// until the TCode and knead-wire codecs are plugged in. Byte layout (all integers
/// big-endian), described for people in Simulator/README.md:
///
///     0xA5  type  length  payload[length]  crc_hi  crc_lo
///
/// CRC-16/CCITT-FALSE (polynomial 0x1021, initial 0xFFFF) over type, length and
/// payload. Types: host → device 0x01 setpoint (on arrival), 0x02 setpoint
/// (scheduled), 0x03 stop, 0x04 heartbeat, 0x05 identify; device → host 0x81
/// identity. A setpoint's payload is 18 bytes: the due time as a signed 64-bit count
/// of device microseconds, then intensity, x, y, pressure and heat as unsigned
/// 16-bit fractions of 65535. A frame that fails any check is dropped and the
/// decoder hunts for the next 0xA5: it resynchronises after any noise.
public enum SimLink {
    public static let sync: UInt8 = 0xA5
    public enum MessageType: UInt8, Sendable {
        case setpointOnArrival = 0x01
        case setpointScheduled = 0x02
        case stop = 0x03
        case heartbeat = 0x04
        case identify = 0x05
        case identity = 0x81

        /// The payload length the type requires; nil when it varies.
        var fixedLength: Int? {
            switch self {
            case .setpointOnArrival, .setpointScheduled: return 18
            case .stop, .heartbeat, .identify: return 0
            case .identity: return nil
            }
        }
    }

    public struct Message: Sendable, Equatable {
        public var type: MessageType
        public var payload: [UInt8]
        public init(type: MessageType, payload: [UInt8] = []) {
            self.type = type
            self.payload = payload
        }
    }

    /// CRC-16/CCITT-FALSE: the knead wire protocol's own, so both links check alike.
    public static func crc16<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> UInt16 {
        var crc = CRC16CCITTFalse()
        for byte in bytes { crc.update(byte) }
        return crc.value
    }

    public static func frame(_ message: Message) -> [UInt8] {
        let length = UInt8(truncatingIfNeeded: Swift.min(message.payload.count, 255))
        var bytes: [UInt8] = [sync, message.type.rawValue, length]
        bytes += message.payload.prefix(Int(length))
        let crc = crc16(bytes.dropFirst())
        bytes.append(UInt8(crc >> 8))
        bytes.append(UInt8(crc & 0xFF))
        return bytes
    }

    // MARK: Setpoint payload

    public static func setpointPayload(_ setpoint: DeviceSetpoint, due: Double) -> [UInt8] {
        var payload: [UInt8] = []
        payload.reserveCapacity(18)
        let micros = (due.finiteOrZero * 1e6).rounded()
        let clamped = Int64(Swift.max(-9.0e18, Swift.min(9.0e18, micros)))
        let stamp = UInt64(bitPattern: clamped)
        for shift in stride(from: 56, through: 0, by: -8) { payload.append(UInt8(truncatingIfNeeded: stamp >> UInt64(shift))) }
        for value in [setpoint.intensity, setpoint.x, setpoint.y, setpoint.pressure, setpoint.heat] {
            let fraction = UInt16((value.unitClampedOrZero * 65535).rounded())
            payload.append(UInt8(fraction >> 8))
            payload.append(UInt8(fraction & 0xFF))
        }
        return payload
    }

    public static func decodeSetpoint(_ payload: ArraySlice<UInt8>) -> (setpoint: DeviceSetpoint, due: Double)? {
        guard payload.count == 18 else { return nil }
        let bytes = Array(payload)
        var stamp: UInt64 = 0
        for index in 0..<8 { stamp = stamp << 8 | UInt64(bytes[index]) }
        func fraction(_ at: Int) -> Double {
            Double(UInt16(bytes[at]) << 8 | UInt16(bytes[at + 1])) / 65535
        }
        let setpoint = DeviceSetpoint(intensity: fraction(8), x: fraction(10), y: fraction(12),
                                      pressure: fraction(14), heat: fraction(16))
        return (setpoint, Double(Int64(bitPattern: stamp)) / 1e6)
    }

    // MARK: Decoding

    /// Incremental decoder: feed bytes in any chunking, get whole messages out.
    public struct Decoder: Sendable {
        private var buffer: [UInt8] = []
        private var start = 0
        private var discarding = false
        /// Runs of bytes thrown away (a damaged frame, noise) since the decoder began.
        public private(set) var rejected = 0
        /// The most a frame can be: header, 255 bytes of payload, CRC.
        static let maximumFrame = 3 + 255 + 2

        public init() {}

        /// Decodes what `bytes` completes; `onReject` is told when a run of bad bytes begins.
        public mutating func feed(_ bytes: some Sequence<UInt8>, onReject: () -> Void = {},
                                  onMessage: (Message) -> Void) {
            buffer.append(contentsOf: bytes)
            while let result = nextFrame() {
                switch result {
                case let .message(message):
                    discarding = false
                    onMessage(message)
                case .rejectedByte:
                    if !discarding {
                        discarding = true
                        rejected += 1
                        onReject()
                    }
                }
            }
            if start > 0 && (start == buffer.count || start >= 4096) {
                buffer.removeFirst(start)
                start = 0
            }
        }

        private enum Step {
            case message(Message)
            case rejectedByte
        }

        /// Nil when more bytes are needed.
        private mutating func nextFrame() -> Step? {
            let available = buffer.count - start
            guard available > 0 else { return nil }
            guard buffer[start] == SimLink.sync else {
                start += 1
                return .rejectedByte
            }
            guard available >= 3 else { return nil }
            let length = Int(buffer[start + 2])
            guard let type = MessageType(rawValue: buffer[start + 1]),
                  type.fixedLength == nil || type.fixedLength == length
            else {
                start += 1
                return .rejectedByte
            }
            guard available >= 3 + length + 2 else { return nil }
            let body = buffer[(start + 1)..<(start + 3 + length)]
            let expected = UInt16(buffer[start + 3 + length]) << 8 | UInt16(buffer[start + 4 + length])
            guard SimLink.crc16(body) == expected else {
                start += 1
                return .rejectedByte
            }
            let message = Message(type: type, payload: Array(buffer[(start + 3)..<(start + 3 + length)]))
            start += 5 + length
            return .message(message)
        }
    }
}

extension Double {
    /// Clamped to 0…1; NaN and infinities outside that range become 0 or 1 (NaN 0).
    var unitClampedOrZero: Double { self == self ? Swift.min(1, Swift.max(0, self)) : 0 }
}

/// The device side of sim-link: decodes setpoints, stop, heartbeat and identify.
public struct SimLinkDeviceSide: DeviceSideProtocol {
    private var decoder = SimLink.Decoder()
    public var protocolName: String { "sim-link" }
    public init() {}

    public mutating func receive(_ bytes: ArraySlice<UInt8>, device: SimulatedDevice) {
        decoder.feed(bytes, onReject: { device.noteRejected() }) { message in
            switch message.type {
            case .setpointOnArrival, .setpointScheduled:
                guard let decoded = SimLink.decodeSetpoint(message.payload[...]) else { return }
                device.execute(.setpoint(decoded.setpoint, due: decoded.due,
                                         timing: message.type == .setpointScheduled ? .scheduled : .onArrival))
            case .stop:
                device.execute(.stop)
            case .heartbeat:
                device.execute(.heartbeat)
            case .identify:
                let text = Array(device.identity.model.utf8) + [0] + Array(device.identity.firmware.utf8)
                device.reply(SimLink.frame(.init(type: .identity, payload: Array(text.prefix(255)))))
            case .identity:
                break  // the host's to read, not the device's
            }
        }
    }
}

/// The host side of sim-link.
public struct SimLinkHostSide: HostSideProtocol {
    private var decoder = SimLink.Decoder()
    public var protocolName: String { "sim-link" }
    public init() {}

    public func identifyRequest() -> [UInt8] { SimLink.frame(.init(type: .identify)) }

    public mutating func readIdentity(_ bytes: [UInt8]) -> DeviceIdentity? {
        var identity: DeviceIdentity?
        let protocolName = self.protocolName
        decoder.feed(bytes) { message in
            guard message.type == .identity else { return }
            let parts = message.payload.split(separator: 0, maxSplits: 1, omittingEmptySubsequences: false)
            let model = String(decoding: parts.first ?? [], as: UTF8.self)
            let firmware = parts.count > 1 ? String(decoding: parts[1], as: UTF8.self) : ""
            identity = DeviceIdentity(model: model, firmware: firmware, protocolName: protocolName)
        }
        return identity
    }

    public func encode(_ setpoint: DeviceSetpoint, due: Double, timing: SetpointTiming) -> [UInt8] {
        let type: SimLink.MessageType = timing == .scheduled ? .setpointScheduled : .setpointOnArrival
        return SimLink.frame(.init(type: type, payload: SimLink.setpointPayload(setpoint, due: due)))
    }

    public func encodeStop() -> [UInt8] { SimLink.frame(.init(type: .stop)) }
    public func encodeHeartbeat() -> [UInt8] { SimLink.frame(.init(type: .heartbeat)) }
}
