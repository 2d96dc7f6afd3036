/// Constants and packet layout of the knead wire protocol (docs/protocol.md, section 2).
public enum KWP {
    /// The version byte this implementation speaks.
    public static let version: UInt8 = 1
    public static let headerLength = 3
    public static let crcLength = 2
    public static let minPacketLength = headerLength + crcLength
    /// Longest packet before COBS: its COBS form fits in 255 bytes, a frame in 256.
    public static let maxPacketLength = 254
    public static let maxPayloadLength = maxPacketLength - minPacketLength
    /// Longest COBS form of a packet, without the delimiter.
    public static let maxEncodedPacketLength = 255
    /// Longest frame on the wire, delimiter included.
    public static let maxFrameLength = maxEncodedPacketLength + 1
    public static let delimiter: UInt8 = 0
    /// Host → device types are 0x01…0x7F, device → host 0x80…0xFF.
    public static let deviceTypeBit: UInt8 = 0x80
}

/// Message types (docs/protocol.md, section 3).
public enum KWPType: UInt8, Sendable {
    case hello = 0x01
    case clockRequest = 0x02
    case frames = 0x03
    case stop = 0x04
    case heartbeat = 0x05
    case identify = 0x81
    case clock = 0x82
    case ack = 0x83
    case nak = 0x84
    case stopped = 0x85
    case telemetry = 0x86
    case fault = 0x87
}

/// The three header bytes of a valid packet and its payload, borrowed from the buffer it
/// was decoded into (valid until that buffer is reused).
public struct KWPPacketView {
    public let type: UInt8
    public let seq: UInt8
    public let payload: UnsafeRawBufferPointer
}

/// Why a frame did not give a packet.
public enum KWPDropReason: UInt8, Sendable, Equatable {
    /// More than 255 bytes without a delimiter: discarded up to the next 0x00.
    case overflow = 1
    /// Not valid COBS.
    case badCOBS
    /// Shorter than the 5 bytes of an empty packet.
    case tooShort
    /// The CRC does not match.
    case badCRC
}

public enum KWPPacketCheck {
    case valid(KWPPacketView)
    /// Intact, but its version byte is not ours.
    case unsupportedVersion(UInt8)
    case dropped(KWPDropReason)
}

extension KWP {
    /// Checks length, CRC and version of a decoded packet.
    public static func check(packet: UnsafeRawBufferPointer) -> KWPPacketCheck {
        if packet.count < minPacketLength || packet.count > maxPacketLength {
            return .dropped(.tooShort)
        }
        let bodyLength = packet.count - crcLength
        let crc = CRC16CCITTFalse.checksum(UnsafeRawBufferPointer(rebasing: packet[0..<bodyLength]))
        let sent = UInt16(packet[bodyLength]) << 8 | UInt16(packet[bodyLength + 1])
        if crc != sent { return .dropped(.badCRC) }
        if packet[0] != version { return .unsupportedVersion(packet[0]) }
        let payload = UnsafeRawBufferPointer(rebasing: packet[headerLength..<bodyLength])
        return .valid(KWPPacketView(type: packet[1], seq: packet[2], payload: payload))
    }

    /// Builds a packet in `scratch` (header, the payload `writePayload` writes, CRC), then
    /// writes its COBS form and the 0x00 delimiter into `frame`. Returns the frame length,
    /// or 0 if the packet is longer than 254 bytes or `frame` is too small.
    ///
    /// `scratch` needs `maxPacketLength` bytes and `frame` `maxFrameLength`.
    public static func encodeFrame(type: UInt8, seq: UInt8,
                                   scratch: UnsafeMutableRawBufferPointer,
                                   frame: UnsafeMutableRawBufferPointer,
                                   writePayload: (inout KWPWriter) -> Void) -> Int {
        let packetSpace = UnsafeMutableRawBufferPointer(
            rebasing: scratch[0..<min(scratch.count, maxPacketLength)])
        var writer = KWPWriter(packetSpace)
        writer.u8(version)
        writer.u8(type)
        writer.u8(seq)
        writePayload(&writer)
        if writer.overflowed || writer.count + crcLength > packetSpace.count { return 0 }
        let crc = CRC16CCITTFalse.checksum(UnsafeRawBufferPointer(rebasing: packetSpace[0..<writer.count]))
        writer.u8(UInt8(truncatingIfNeeded: crc >> 8))
        writer.u8(UInt8(truncatingIfNeeded: crc))
        let packet = UnsafeRawBufferPointer(rebasing: packetSpace[0..<writer.count])
        guard frame.count >= 2,
              let encoded = COBS.encode(packet, into: UnsafeMutableRawBufferPointer(
                  rebasing: frame[0..<(frame.count - 1)]))
        else { return 0 }
        frame[encoded] = delimiter
        return encoded + 1
    }
}
