import FuzzSupport
@testable import KneadWire

/// The test chair of Tests/KneadWireTests/KWPDeviceTests.swift: every channel but
/// percussion, a pressure channel with a floor and a ceiling.
public let fuzzChair = KWPDeviceConfiguration(
    parameters: KWPDeviceParameters(clockHz: 1_000_000, bufferDepth: 64, maxBatch: 16,
                                    watchdogMilliseconds: 250, stopRampMilliseconds: 250,
                                    telemetryPeriodMilliseconds: 50),
    channels: [
        KWPChannelInfo(channel: .intensity, steps: 256, maxSlew: 2000),
        KWPChannelInfo(channel: .x, steps: 1024),
        KWPChannelInfo(channel: .y, steps: 1024),
        KWPChannelInfo(channel: .pressure, steps: 64, min: 1000, max: 60000, maxSlew: 1000),
        KWPChannelInfo(channel: .heat, steps: 16, maxSlew: 200),
    ],
    model: "fuzz-chair", firmware: "2.3.4", rest: KWPChannelValues(x: 0x8000, y: 0))

/// Every message in `bytes` (device output) must decode; returns them.
public func decodeAll(_ bytes: [UInt8], from side: String) -> [KWPMessage] {
    var decoder = KWPStreamDecoder()
    var messages: [KWPMessage] = []
    for result in decoder.push(bytes) {
        switch result {
        case let .success(message): messages.append(message)
        case let .failure(error):
            FuzzSupport.fuzzCheck(false, "\(side) sent a frame that does not decode: \(error)")
        }
    }
    return messages
}
