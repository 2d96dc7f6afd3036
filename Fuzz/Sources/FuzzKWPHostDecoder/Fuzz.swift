import FuzzKnead
import FuzzSupport
@testable import KneadWire

/// The host's KWP stream decoder (COBS, CRC, packet, every payload decoder). The input
/// is a little program so that fuzz bytes also reach the payload decoders behind the
/// CRC: each step is raw bytes, or a packet with any version, type, sequence and payload
/// wrapped in a valid CRC and COBS. Checks: at most one partial frame is held; cutting
/// the stream into bytes changes nothing; every message decoded encodes back to itself.
@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var reader = ByteReader(fuzzBytes(data, size))
    var stream: [UInt8] = []
    while !reader.isAtEnd {
        let op = reader.byte()
        switch op % 4 {
        case 0, 1:
            stream += reader.bytes(Int(reader.byte()))
        case 2:
            let type = reader.byte(), seq = reader.byte()
            stream += kwpFrame(type: type, seq: seq, payload: reader.bytes(Int(reader.byte())))
        default:
            let version = reader.byte(), type = reader.byte(), seq = reader.byte()
            stream += kwpFrame(version: version, type: type, seq: seq, payload: reader.bytes(Int(reader.byte())))
        }
    }

    var decoder = KWPStreamDecoder()
    let results = decoder.push(stream)
    fuzzCheck(decoder.pendingCount <= KWP.maxEncodedPacketLength, "pending \(decoder.pendingCount)")
    var byByte = KWPStreamDecoder()
    var piecewise: [Result<KWPMessage, KWPDecodeError>] = []
    for byte in stream {
        if let result = byByte.push(byte) { piecewise.append(result) }
        fuzzCheck(byByte.pendingCount <= KWP.maxEncodedPacketLength, "pending \(byByte.pendingCount)")
    }
    fuzzCheck(piecewise == results, "byte by byte differs from all at once")

    for case let .success(message) in results {
        let frame = message.encodedFrame()
        fuzzCheck(frame.count <= KWP.maxFrameLength, "\(message) encodes to \(frame.count) bytes")
        var again = KWPStreamDecoder()
        let decoded = again.push(frame)
        if case let .identify(_, identity) = message,
           (identity.model + identity.firmware).unicodeScalars.contains("\u{FFFD}") {
            // IDENTIFY text that was not valid UTF-8 is read with replacement characters
            // (3 bytes each) and re-encoded within 32 bytes: lossy once, then stable.
            if case let .success(once)? = decoded.first {
                var third = KWPStreamDecoder()
                fuzzCheck(third.push(once.encodedFrame()) == [.success(once)], "\(once) is not stable after one round")
            } else {
                fuzzCheck(false, "\(message) does not decode after encoding: \(decoded)")
            }
            continue
        }
        fuzzCheck(decoded == [.success(message)], "\(message) does not survive encode → decode: \(decoded)")
    }
    return 0
}

@_cdecl("FuzzKWPHostDecoder_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runLibFuzzer(argc, argv, testOneInput)
}
