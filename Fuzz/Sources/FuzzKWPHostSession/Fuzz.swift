import FuzzKnead
import FuzzSupport
@testable import KneadWire

/// The host session after start, talking to a real KWPDevice over a line the input
/// controls: each step delivers what one side wrote (whole, or with a byte changed, or
/// not at all), injects raw bytes or a device packet with a valid CRC (any type, sequence
/// and payload) towards the host, lets time go by, hands over a setpoint, or stops.
/// Checks: everything the host writes decodes and is a host message; it never traps;
/// after a stop and a quiet second, intensity, pressure, heat and taps are zero.
@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var reader = ByteReader(fuzzBytes(data, size))
    let device = KWPDevice(configuration: fuzzChair)
    var session = KWPHostSession()
    var now = 1.0
    func ticks(_ seconds: Double) -> UInt64 { UInt64(seconds * 1_000_000) }
    session.start(now: now)
    var toDevice: [UInt8] = []
    var toHost: [UInt8] = []
    var hostWrote: [UInt8] = []
    func collect() {
        let out = session.takeOutput()
        hostWrote += out
        toDevice += out
        toHost += device.takeOutput()
        _ = session.takeEvents()
    }
    collect()
    while !reader.isAtEnd {
        let op = reader.byte()
        switch op % 10 {
        case 0, 1:  // the line carries everything, both ways
            device.receive(toDevice, now: ticks(now))
            toDevice.removeAll()
            session.receive(toHost, now: now)
            toHost.removeAll()
        case 2:  // one byte towards the host changed
            var bytes = toHost
            toHost.removeAll()
            if !bytes.isEmpty { bytes[Int(reader.byte()) % bytes.count] ^= reader.byte() | 1 }
            session.receive(bytes, now: now)
        case 3:  // what one side wrote is lost
            if reader.byte() & 1 == 0 { toDevice.removeAll() } else { toHost.removeAll() }
        case 4:
            session.receive(reader.bytes(Int(reader.byte())), now: now)
        case 5:
            let type = reader.byte(), seq = reader.byte()
            session.receive(kwpFrame(type: type | KWP.deviceTypeBit, seq: seq, payload: reader.bytes(Int(reader.byte()))),
                            now: now)
        case 6, 7:
            now += Double(reader.byte()) / 1000
            session.poll(now: now)
            device.advance(to: ticks(now))
        case 8:
            let values = KWPChannelValues(intensity: reader.uint16(), x: reader.uint16(), y: reader.uint16(),
                                          pressure: reader.uint16(), heat: reader.uint16())
            session.enqueue(values, at: now + Double(reader.byte()) / 500)
        default:
            if reader.byte() < 32 { session.stop(now: now) } else { session.poll(now: now) }
        }
        collect()
    }
    // Stop, and a quiet line for a second: the device comes to rest either way (the
    // STOP arrives, or the watchdog trips).
    session.stop(now: now)
    collect()
    for _ in 0..<50 {
        device.receive(toDevice, now: ticks(now))
        toDevice.removeAll()
        session.receive(toHost, now: now)
        toHost.removeAll()
        now += 0.02
        session.poll(now: now)
        device.advance(to: ticks(now))
        collect()
    }
    fuzzCheck(device.target == device.target.atRest, "after a stop, target \(device.target) in state \(device.state)")
    for message in decodeAll(hostWrote, from: "the host") {
        switch message {
        case .hello, .clockRequest, .frames, .stop, .heartbeat: break
        default: fuzzCheck(false, "the host sent a device message: \(message)")
        }
    }
    return 0
}

@_cdecl("FuzzKWPHostSession_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runLibFuzzer(argc, argv, testOneInput)
}
