import Foundation
import Testing
@testable import KneadWire

/// The worked examples of docs/protocol.md, section 5. The golden file is written by
/// Golden/kwp_examples.py, an independent encoding from the page (Python's CRC, COBS
/// from the text), so these tests check the Swift codec against the specification.
@Suite struct KWPGoldenTests {
    static let handheld = KWPIdentity(
        parameters: KWPDeviceParameters(clockHz: 1_000_000, bufferDepth: 128, maxBatch: 16,
                                        watchdogMilliseconds: 250, stopRampMilliseconds: 250,
                                        telemetryPeriodMilliseconds: 50),
        channels: [KWPChannelInfo(channel: .intensity, steps: 100, min: 0, max: 65535, maxSlew: 3000)],
        model: "knead-handheld", firmware: "1.0.0")

    static let examples: [String: KWPMessage] = [
        "hello": .hello(tag: 1),
        "identify": .identify(tag: 1, handheld),
        "clock-request": .clockRequest(tag: 2),
        "clock": .clock(tag: 2, deviceTime: 0x1234_5678),
        "frames-handheld": .frames(sequence: 0, KWPFrames(channelMask: 0x01, setpoints: [
            KWPSetpoint(time: 1_234_567, values: KWPChannelValues(intensity: 0x8000)),
            KWPSetpoint(time: 1_244_567, values: KWPChannelValues(intensity: 0x8148)),
        ])),
        "frames-chair": .frames(sequence: 5, KWPFrames(channelMask: 0x1F, setpoints: [
            KWPSetpoint(time: 2_000_000, values: KWPChannelValues(intensity: 0x4000, x: 0x8000, y: 0xC000,
                                                                   pressure: 0x2000, heat: 0x1000)),
        ])),
        "frames-tapping": .frames(sequence: 6, KWPFrames(channelMask: 0x61, setpoints: [
            KWPSetpoint(time: 2_500_000, values: KWPChannelValues(intensity: 0x8000, percussionRate: 600,
                                                                   percussionDepth: 0xFFFF)),
        ])),
        "identify-tapping": .identify(tag: 7, KWPIdentity(
            parameters: KWPDeviceParameters(),
            channels: [KWPChannelInfo(channel: .intensity, steps: 256, maxSlew: 2000),
                       KWPChannelInfo(channel: .percussionRate, steps: 64, max: 1200),
                       KWPChannelInfo(channel: .percussionDepth, steps: 64)],
            model: "knead-tapper", firmware: "1.0.0")),
        "ack": .ack(nextSequence: 1, free: 126),
        "nak": .nak(nextSequence: 1, free: 126, reason: .gap, refused: 2),
        "stop": .stop(tag: 3, nextSequence: 1),
        "stopped": .stopped(tag: 3, free: 128),
        "heartbeat": .heartbeat(tag: 4),
        "telemetry": .telemetry(counter: 0, KWPTelemetry(
            deviceTime: 1_300_000, state: .playing, actual: KWPChannelValues(intensity: 0x8000),
            temperatureCentiCelsius: KWPTelemetry.noTemperature, queued: 10, free: 118)),
        "fault": .fault(counter: 1, KWPFault(deviceTime: 1_600_000, code: .watchdog, detail: 250)),
    ]

    struct Example {
        var name: String
        var packet: [UInt8]
        var frame: [UInt8]
    }

    static func loadExamples() throws -> [Example] {
        try Golden.text("kwp-examples.txt").split(separator: "\n").map { line in
            let fields = line.split(separator: "|").map(String.init)
            try #require(fields.count == 3, "bad golden line: \(line)")
            return Example(name: fields[0], packet: bytes(hex: fields[1]), frame: bytes(hex: fields[2]))
        }
    }

    @Test func everyMessageTypeHasAnExample() throws {
        let names = try Self.loadExamples().map(\.name)
        #expect(Set(names) == Set(Self.examples.keys))
        let types = Set(Self.examples.values.map(\.type))
        #expect(types.count == 12, "all twelve message types are exemplified")
    }

    @Test func encodingGivesTheGoldenBytes() throws {
        for example in try Self.loadExamples() {
            let message = try #require(Self.examples[example.name])
            #expect(hex(message.encodedPacket()) == hex(example.packet), "packet of \(example.name)")
            #expect(hex(message.encodedFrame()) == hex(example.frame), "frame of \(example.name)")
        }
    }

    @Test func decodingTheGoldenFramesGivesTheMessages() throws {
        for example in try Self.loadExamples() {
            let decoded = KWPMessage.decode(frame: example.frame)
            #expect(decoded == .success(Self.examples[example.name]!), "\(example.name)")
        }
    }

    @Test func theDocumentShowsTheGoldenBytes() throws {
        // docs/protocol.md is not in the bundle; the test finds it from this file's path.
        let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../docs/protocol.md").standardized
        let page = try String(contentsOf: docs, encoding: .utf8)
        for example in try Self.loadExamples() {
            #expect(page.contains("packet  " + hex(example.packet)), "docs show the packet of \(example.name)")
            #expect(page.contains("frame   " + hex(example.frame)), "docs show the frame of \(example.name)")
        }
    }
}
