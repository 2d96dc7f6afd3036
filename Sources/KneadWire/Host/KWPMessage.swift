/// Every knead wire protocol message as a value, for the host side and for tests.
/// (The device side reads and writes the same layouts in place, without this enum.)
package enum KWPMessage: Equatable, Sendable {
    case hello(tag: UInt8)
    case clockRequest(tag: UInt8)
    case frames(sequence: UInt8, KWPFrames)
    case stop(tag: UInt8, nextSequence: UInt8)
    case heartbeat(tag: UInt8)
    case identify(tag: UInt8, KWPIdentity)
    case clock(tag: UInt8, deviceTime: UInt64)
    case ack(nextSequence: UInt8, free: UInt16)
    /// `refused`: the sequence of the FRAMES packet refused (for `.corrupt`, the expected one).
    case nak(nextSequence: UInt8, free: UInt16, reason: KWPNakReason, refused: UInt8)
    case stopped(tag: UInt8, free: UInt16)
    case telemetry(counter: UInt8, KWPTelemetry)
    case fault(counter: UInt8, KWPFault)

    package var type: KWPType {
        switch self {
        case .hello: return .hello
        case .clockRequest: return .clockRequest
        case .frames: return .frames
        case .stop: return .stop
        case .heartbeat: return .heartbeat
        case .identify: return .identify
        case .clock: return .clock
        case .ack: return .ack
        case .nak: return .nak
        case .stopped: return .stopped
        case .telemetry: return .telemetry
        case .fault: return .fault
        }
    }

    /// The header's seq byte: a tag, a sequence or a counter, by type.
    package var seq: UInt8 {
        switch self {
        case let .hello(tag), let .clockRequest(tag), let .heartbeat(tag): return tag
        case let .frames(sequence, _): return sequence
        case let .stop(tag, _): return tag
        case let .identify(tag, _): return tag
        case let .clock(tag, _): return tag
        case let .ack(next, _): return next
        case let .nak(next, _, _, _): return next
        case let .stopped(tag, _): return tag
        case let .telemetry(counter, _): return counter
        case let .fault(counter, _): return counter
        }
    }
}

/// A FRAMES payload as a value. Channels missing from `channelMask` read as 0.
public struct KWPFrames: Equatable, Sendable {
    public var channelMask: UInt8
    public var setpoints: [KWPSetpoint]

    public init(channelMask: UInt8, setpoints: [KWPSetpoint]) {
        self.channelMask = channelMask
        self.setpoints = setpoints
    }

    /// Most setpoints with `mask` that fit in one packet (the device may allow fewer).
    public static func maxSetpointsPerPacket(mask: UInt8) -> Int {
        min(255, (KWP.maxPayloadLength - 2) / (4 + 2 * (mask & KWPChannel.validMask).nonzeroBitCount))
    }
}

/// What a device says about itself in IDENTIFY.
public struct KWPIdentity: Equatable, Sendable {
    public var parameters: KWPDeviceParameters
    public var channels: [KWPChannelInfo]
    public var model: String
    public var firmware: String

    public init(parameters: KWPDeviceParameters, channels: [KWPChannelInfo], model: String,
                firmware: String) {
        self.parameters = parameters
        self.channels = channels
        self.model = model
        self.firmware = firmware
    }

    public var channelMask: UInt8 { channels.reduce(0) { $0 | $1.channel.maskBit } }

    public func info(for channel: KWPChannel) -> KWPChannelInfo? {
        channels.first { $0.channel == channel }
    }
}

/// Why bytes did not decode to a message.
public enum KWPDecodeError: Error, Equatable, Sendable {
    /// Bad COBS, bad CRC, too short, or too long without a delimiter.
    case corrupt(KWPDropReason)
    case unsupportedVersion(UInt8)
    case unknownType(UInt8)
    /// The payload does not follow its type's layout (docs/protocol.md, section 3).
    case malformed(KWPType)
}

extension KWPMessage {
    /// The frame on the wire: COBS(packet) followed by 0x00.
    package func encodedFrame() -> [UInt8] {
        withUnsafeTemporaryAllocation(byteCount: KWP.maxPacketLength, alignment: 8) { scratch in
            withUnsafeTemporaryAllocation(byteCount: KWP.maxFrameLength, alignment: 8) { frame in
                let length = KWP.encodeFrame(type: type.rawValue, seq: seq, scratch: scratch,
                                             frame: frame) { writePayload(into: &$0) }
                precondition(length > 0, "KWP message longer than 254 bytes: \(type)")
                return Array(UnsafeRawBufferPointer(rebasing: frame[0..<length]))
            }
        }
    }

    /// The packet before COBS (version, type, seq, payload, CRC).
    package func encodedPacket() -> [UInt8] {
        let frame = encodedFrame()
        return frame.dropLast().withUnsafeBytes { encoded in
            [UInt8](unsafeUninitializedCapacity: KWP.maxPacketLength) { buffer, count in
                count = COBS.decode(encoded, into: UnsafeMutableRawBufferPointer(buffer)) ?? 0
            }
        }
    }

    private func writePayload(into writer: inout KWPWriter) {
        switch self {
        case .hello, .clockRequest, .heartbeat:
            break
        case let .frames(_, frames):
            precondition(!frames.setpoints.isEmpty && frames.setpoints.count
                            <= KWPFrames.maxSetpointsPerPacket(mask: frames.channelMask),
                         "FRAMES needs 1…\(KWPFrames.maxSetpointsPerPacket(mask: frames.channelMask)) setpoints")
            KWPFramesPayload.writeHeader(mask: frames.channelMask, count: frames.setpoints.count,
                                         into: &writer)
            for setpoint in frames.setpoints {
                KWPFramesPayload.writeRecord(setpoint, mask: frames.channelMask, into: &writer)
            }
        case let .stop(_, next):
            writer.u8(next)
        case let .identify(_, identity):
            identity.parameters.write(into: &writer)
            let channels = identity.channels.prefix(Int(KWPChannel.count))
            writer.u8(UInt8(channels.count))
            for channel in channels { channel.write(into: &writer) }
            writer.shortBytes(identity.model.utf8Prefix(kwpMaxIdentityTextLength), maxLength: kwpMaxIdentityTextLength)
            writer.shortBytes(identity.firmware.utf8Prefix(kwpMaxIdentityTextLength), maxLength: kwpMaxIdentityTextLength)
        case let .clock(_, time):
            writer.u64(time)
        case let .ack(_, free):
            writer.u16(free)
        case let .nak(_, free, reason, refused):
            writer.u16(free)
            writer.u8(reason.rawValue)
            writer.u8(refused)
        case let .stopped(_, free):
            writer.u16(free)
        case let .telemetry(_, telemetry):
            telemetry.write(into: &writer)
        case let .fault(_, fault):
            fault.write(into: &writer)
        }
    }

    /// Decodes one checked packet.
    package static func decode(_ packet: KWPPacketView) -> Result<KWPMessage, KWPDecodeError> {
        guard let type = KWPType(rawValue: packet.type) else {
            return .failure(.unknownType(packet.type))
        }
        let seq = packet.seq
        var reader = KWPReader(packet.payload)
        let message: KWPMessage?
        switch type {
        case .hello: message = .hello(tag: seq)
        case .clockRequest: message = .clockRequest(tag: seq)
        case .heartbeat: message = .heartbeat(tag: seq)
        case .frames:
            if let payload = KWPFramesPayload(packet.payload) {
                let setpoints = (0..<payload.count).map { payload.setpoint(at: $0, base: .zero) }
                message = .frames(sequence: seq, KWPFrames(channelMask: payload.channelMask,
                                                           setpoints: setpoints))
            } else {
                message = nil
            }
        case .stop:
            message = packet.payload.count == 1 ? .stop(tag: seq, nextSequence: reader.u8()) : nil
        case .identify:
            message = decodeIdentify(&reader).map { .identify(tag: seq, $0) }
        case .clock:
            let time = reader.u64()
            message = .clock(tag: seq, deviceTime: time)
        case .ack:
            let free = reader.u16()
            message = .ack(nextSequence: seq, free: free)
        case .nak:
            let free = reader.u16()
            let reason = KWPNakReason(rawValue: reader.u8())
            let refused = reader.u8()
            message = reason.map { .nak(nextSequence: seq, free: free, reason: $0, refused: refused) }
        case .stopped:
            let free = reader.u16()
            message = .stopped(tag: seq, free: free)
        case .telemetry:
            message = KWPTelemetry.read(from: &reader).map { .telemetry(counter: seq, $0) }
        case .fault:
            let fault = KWPFault.read(from: &reader)
            message = .fault(counter: seq, fault)
        }
        // Every layout is exact: a short payload sets `failed`, a long one leaves bytes.
        // (FRAMES and STOP checked their own lengths and did not use the reader.)
        guard let message, !reader.failed, reader.isAtEnd || type == .frames || type == .stop
        else { return .failure(.malformed(type)) }
        return .success(message)
    }

    /// Decodes one frame's bytes (COBS form, with or without its trailing 0x00).
    package static func decode(frame bytes: [UInt8]) -> Result<KWPMessage, KWPDecodeError> {
        var decoder = KWPStreamDecoder()
        var results = decoder.push(bytes)
        if bytes.last != KWP.delimiter { results += decoder.push([KWP.delimiter]) }
        return results.first ?? .failure(.corrupt(.tooShort))
    }

    private static func decodeIdentify(_ reader: inout KWPReader) -> KWPIdentity? {
        let parameters = KWPDeviceParameters.read(from: &reader)
        let channelCount = Int(reader.u8())
        if channelCount > Int(KWPChannel.count) { return nil }
        var channels: [KWPChannelInfo] = []
        for _ in 0..<channelCount {
            guard let info = KWPChannelInfo.read(from: &reader),
                  !channels.contains(where: { $0.channel == info.channel })
            else { return nil }
            channels.append(info)
        }
        let modelLength = Int(reader.u8())
        if modelLength > kwpMaxIdentityTextLength { return nil }
        let model = String(decoding: reader.bytes(modelLength), as: UTF8.self)
        let firmwareLength = Int(reader.u8())
        if firmwareLength > kwpMaxIdentityTextLength { return nil }
        let firmware = String(decoding: reader.bytes(firmwareLength), as: UTF8.self)
        if reader.failed { return nil }
        return KWPIdentity(parameters: parameters, channels: channels, model: model, firmware: firmware)
    }
}

/// Turns a byte stream from either side into messages, resynchronising after noise.
/// Never traps on any input; holds at most one partial frame (255 bytes).
///
/// A value type (the device side's `KWPFrameAssembler` does the same in a fixed buffer),
/// so a host session that holds one stays a plain value.
package struct KWPStreamDecoder: Sendable {
    private var buffer: [UInt8] = []
    private var discarding = false

    package init() {
        buffer.reserveCapacity(KWP.maxEncodedPacketLength)
    }

    /// Bytes collected towards the next frame.
    package var pendingCount: Int { buffer.count }

    package mutating func push(_ byte: UInt8) -> Result<KWPMessage, KWPDecodeError>? {
        if byte != KWP.delimiter {
            if discarding { return nil }
            if buffer.count == KWP.maxEncodedPacketLength {
                buffer.removeAll(keepingCapacity: true)
                discarding = true
                return .failure(.corrupt(.overflow))
            }
            buffer.append(byte)
            return nil
        }
        defer { buffer.removeAll(keepingCapacity: true) }
        if discarding {
            discarding = false
            return nil
        }
        if buffer.isEmpty { return nil }
        return buffer.withUnsafeMutableBytes { bytes -> Result<KWPMessage, KWPDecodeError> in
            guard let length = COBS.decode(UnsafeRawBufferPointer(bytes), into: bytes) else {
                return .failure(.corrupt(.badCOBS))
            }
            switch KWP.check(packet: UnsafeRawBufferPointer(rebasing: bytes[0..<length])) {
            case let .valid(view): return KWPMessage.decode(view)
            case let .unsupportedVersion(version): return .failure(.unsupportedVersion(version))
            case let .dropped(reason): return .failure(.corrupt(reason))
            }
        }
    }

    package mutating func push<S: Sequence>(_ bytes: S) -> [Result<KWPMessage, KWPDecodeError>]
    where S.Element == UInt8 {
        var results: [Result<KWPMessage, KWPDecodeError>] = []
        for byte in bytes {
            if let result = push(byte) { results.append(result) }
        }
        return results
    }

    /// Forgets a partial frame.
    package mutating func reset() {
        buffer.removeAll(keepingCapacity: true)
        discarding = false
    }
}
