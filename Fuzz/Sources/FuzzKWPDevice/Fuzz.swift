import FuzzKnead
import FuzzSupport
@testable import KneadWire

/// The device side of KWP (KWPDevice, as the firmware runs it) fed anything a host
/// might send. The input is a program: raw bytes, packets from the host with a valid CRC
/// and COBS (any type, sequence and payload), time going by, faults the firmware raises.
/// Checks: everything the device sends decodes and is a device message; the queue never
/// holds more than its depth; and once the host goes quiet, the watchdog brings every
/// channel but the positions (which hold) to zero within a second.
@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var reader = ByteReader(fuzzBytes(data, size))
    let device = KWPDevice(configuration: fuzzChair)
    var now: UInt64 = 1_000
    var output: [UInt8] = []
    while !reader.isAtEnd {
        let op = reader.byte()
        switch op % 5 {
        case 0:
            device.receive(reader.bytes(Int(reader.byte())), now: now)
        case 1, 2:
            let type = reader.byte(), seq = reader.byte()
            device.receive(kwpFrame(type: type, seq: seq, payload: reader.bytes(Int(reader.byte()))), now: now)
        case 3:
            now += UInt64(reader.byte()) * 1_000
            device.advance(to: now)
        default:
            let code = reader.byte(), detail = reader.uint16()
            device.raiseFault(KWPFaultCode(rawValue: code), detail: detail, now: now)
        }
        fuzzCheck(device.queuedCount <= Int(fuzzChair.parameters.bufferDepth), "queue \(device.queuedCount)")
        output += device.takeOutput()
    }
    // The host goes quiet: within the watchdog (250 ms) and the stop ramp (250 ms), and a margin, rest.
    for _ in 0..<50 {
        now += 20_000
        device.advance(to: now)
        output += device.takeOutput()
    }
    fuzzCheck(device.target == device.target.atRest, "a second after the host went quiet, target \(device.target) in state \(device.state)")
    for message in decodeAll(output, from: "the device") {
        fuzzCheck(message.isFromDevice, "the device sent a host message: \(message)")
    }
    return 0
}

extension KWPMessage {
    var isFromDevice: Bool {
        switch self {
        case .identify, .clock, .ack, .nak, .stopped, .telemetry, .fault: return true
        case .hello, .clockRequest, .frames, .stop, .heartbeat: return false
        }
    }
}

@_cdecl("FuzzKWPDevice_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runLibFuzzer(argc, argv, testOneInput)
}
