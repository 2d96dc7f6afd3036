@testable import KneadWire

/// A KWP frame around any type, sequence and payload, with a valid CRC and COBS, so
/// fuzz bytes reach the payload decoders instead of stopping at the CRC.
public func kwpFrame(version: UInt8 = KWP.version, type: UInt8, seq: UInt8, payload: [UInt8]) -> [UInt8] {
    var packet = [version, type, seq] + payload.prefix(KWP.maxPayloadLength)
    let crc = packet.withUnsafeBytes { CRC16CCITTFalse.checksum($0) }
    packet += [UInt8(crc >> 8), UInt8(crc & 0xFF)]
    var output = [UInt8](repeating: 0, count: COBS.maxEncodedLength(packet.count))
    let length = packet.withUnsafeBytes { source in output.withUnsafeMutableBytes { COBS.encode(source, into: $0) } }
    guard let length else { return [] }
    return Array(output[0..<length]) + [KWP.delimiter]
}
