import FuzzSupport
@testable import KneadWire

/// TCode, both ends: the host's reply parser and connect exchange fed what a device might
/// print, and the device-side decoder fed what a host might send. Checks: lines stay
/// bounded, axis values stay 0…1, the connect exchange ends by its timeout, and cutting
/// the bytes into pieces changes nothing.
@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Array(fuzzBytes(data, size))

    // Host side: replies.
    var parser = TCodeReplyParser()
    let replies = parser.push(bytes)
    for reply in replies {
        if case let .text(text) = reply {
            fuzzCheck(text.utf8.count <= TCodeReplyParser.maxLineLength, "reply line \(text.utf8.count) bytes")
        }
    }
    var byByte = TCodeReplyParser()
    var piecewise: [TCodeReply] = []
    for byte in bytes { piecewise += byByte.push(CollectionOfOne(byte)) }
    fuzzCheck(piecewise == replies, "reply parser: byte by byte differs from all at once")

    var connect = TCodeConnect(alsoAsk: [.firmware, .axes], timeout: 1.0, settle: 0.05)
    _ = connect.start(now: 0)
    var now = 0.0
    var index = 0
    while index < bytes.count {
        let piece = bytes[index..<min(bytes.count, index + 1 + Int(bytes[index] % 32))]
        connect.receive(piece, now: now)
        now += 0.01
        index += piece.count
    }
    connect.poll(now: 5)
    fuzzCheck(connect.outcome != nil, "the connect exchange does not end after its timeout")

    // Device side: commands.
    var decoder = TCodeDeviceDecoder()
    let commands = decoder.push(bytes)
    for command in commands {
        if case let .axes(axes) = command {
            for axis in axes {
                fuzzCheck(axis.value.isFinite && axis.value >= 0 && axis.value < 1, "axis value \(axis.value)")
            }
        }
    }
    var byByteDecoder = TCodeDeviceDecoder()
    var piecewiseCommands: [TCodeCommand] = []
    for byte in bytes { piecewiseCommands += byByteDecoder.push(CollectionOfOne(byte)) }
    fuzzCheck(piecewiseCommands == commands, "device decoder: byte by byte differs from all at once")
    return 0
}

@_cdecl("FuzzTCode_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runLibFuzzer(argc, argv, testOneInput)
}
