import Foundation
import KneadCore
import KneadEngine
import Testing
@testable import KneadSimulator

@Suite struct SimLinkCodecTests {
    @Test func crcIsCCITTFalse() {
        // The catalogue check value of CRC-16/CCITT-FALSE.
        #expect(SimLink.crc16(Array("123456789".utf8)) == 0x29B1)
    }

    @Test func goldenBytes() {
        #expect(SimLinkHostSide().encodeStop() == [0xA5, 0x03, 0x00, 0x48, 0x5C])
        #expect(SimLinkHostSide().encodeHeartbeat() == [0xA5, 0x04, 0x00, 0xD1, 0xCB])
        #expect(SimLinkHostSide().identifyRequest() == [0xA5, 0x05, 0x00, 0xE2, 0xFA])
        // Due 1.5 s = 1 500 000 µs = 0x16E360; 0.5 → 32768, 0.25 → 16384, 1 → 65535.
        let setpoint = DeviceSetpoint(intensity: 0.5, x: 0.25, y: 1, pressure: 0, heat: 0)
        #expect(SimLinkHostSide().encode(setpoint, due: 1.5, timing: .scheduled) == [
            0xA5, 0x02, 0x12,
            0x00, 0x00, 0x00, 0x00, 0x00, 0x16, 0xE3, 0x60,
            0x80, 0x00, 0x40, 0x00, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00,
            0x76, 0xC6,
        ])
    }

    @Test func setpointsRoundTripToSixteenBits() {
        let setpoint = DeviceSetpoint(intensity: 0.5004, x: 0.3, y: 0.7, pressure: 0.25, heat: 1)
        let decoded = SimLink.decodeSetpoint(SimLink.setpointPayload(setpoint, due: -2.25)[...])
        #expect(decoded?.due == -2.25)
        #expect(decoded.map { abs($0.setpoint.intensity - 0.5004) <= 0.5 / 65535 } == true)
        #expect(decoded?.setpoint.heat == 1)
    }

    @Test func decoderResynchronisesAfterNoiseInAnyChunking() {
        let stream: [UInt8] = [0x00, 0xA5, 0x77]  // noise, including a false sync
            + SimLinkHostSide().encodeHeartbeat()
            + [0xA5, 0x03, 0x00, 0x00, 0x00]  // a stop with a bad CRC
            + SimLinkHostSide().encodeStop()
        for chunkSize in 1...stream.count {
            var decoder = SimLink.Decoder()
            var types: [SimLink.MessageType] = []
            var start = 0
            while start < stream.count {
                decoder.feed(stream[start..<min(stream.count, start + chunkSize)]) { types.append($0.type) }
                start += chunkSize
            }
            #expect(types == [.heartbeat, .stop], "chunks of \(chunkSize)")
            #expect(decoder.rejected == 2, "chunks of \(chunkSize)")
        }
    }

    @Test func arbitraryBytesNeverCrashTheDecoder() {
        var random = SeededRandom(seed: 99)
        var decoder = SimLink.Decoder()
        var decoded = 0
        for _ in 0..<2000 {
            let chunk = (0..<Int(random.next() % 64)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            decoder.feed(chunk) { _ in decoded += 1 }
        }
        // Then a good frame still gets through.
        var sawStop = false
        decoder.feed([0xA5, 0x00] + Array(repeating: 0, count: 300) + SimLinkHostSide().encodeStop()) {
            if $0.type == .stop { sawStop = true }
        }
        #expect(sawStop)
    }
}

@Suite struct PipeBackendTests {
    @Test func identifiesOverTheBytePipe() throws {
        let host = Host()
        let backend = PipeSimulatorBackend(profile: .handheld, clock: host.clock)
        #expect(try backend.open() == DeviceIdentity(model: "knead simulator (handheld)", firmware: "knead-sim 1",
                                                     protocolName: "sim-link"))
    }

    @Test func framesThroughThePipeDoWhatTheyDoDirectly() throws {
        let sinks = (direct: MemoryTraceSink(), pipe: MemoryTraceSink())
        let direct = Host(), piped = Host()
        let directBackend = SimulatorBackend(profile: .handheld, trace: sinks.direct, clock: direct.clock)
        let pipeBackend = PipeSimulatorBackend(profile: .handheld, trace: sinks.pipe, clock: piped.clock)
        _ = try directBackend.open()
        _ = try pipeBackend.open()
        // Handheld intensities on its 100 steps survive the 16-bit trip unchanged.
        direct.play(directBackend, until: 2, intensity: 0.6)
        piped.play(pipeBackend, until: 2, intensity: 0.6)
        directBackend.close()
        pipeBackend.close()
        #expect(pipeBackend.report.errors == directBackend.report.errors)
        let intensities = { (sink: MemoryTraceSink) in sink.lines.map { $0.split(separator: ",")[1] } }
        #expect(intensities(sinks.pipe) == intensities(sinks.direct))
        #expect(pipeBackend.report.link.bytesSent == 201 * 23 + 5)  // 201 setpoints, the stop at close
    }

    @Test func corruptedBytesAreCaughtByTheCRC() throws {
        let host = Host()
        let backend = PipeSimulatorBackend(profile: .chair, configuration: .init(faults: .init(corrupt: .everyNth(5))),
                                           clock: host.clock)
        _ = try backend.open()
        host.play(backend, until: 0.99)
        let report = backend.report
        #expect(report.link.corrupted == 20)
        #expect(report.device.rejectedMessages == 20)
        #expect(report.device.framesReceived == 80)
    }

    @Test func leadModeOverThePipeKeepsTheStamps() throws {
        let host = Host()
        let backend = PipeSimulatorBackend(profile: .chair,
                                           configuration: .init(mode: .lead(0.15), faults: .init(latency: 0.02)),
                                           clock: host.clock)
        _ = try backend.open()
        host.play(backend, until: 1.0)
        host.moveClock(to: 1.2)
        let report = backend.report
        // 20 ms on the wire is well inside the 150 ms lead: every frame on its stamp.
        #expect(report.errors.timing == .init(count: 101, p50: 0, p99: 0, max: 0))
    }
}

@Suite struct PipeNoiseTests {
    @Test func lineNoiseLosesOnlyTheFramesItHits() throws {
        let host = Host()
        let backend = PipeSimulatorBackend(profile: .chair, configuration: .init(faults: .init(byteCorruption: 0.01, seed: 3)),
                                           clock: host.clock)
        _ = try backend.open()
        host.play(backend, until: 9.99)  // 1000 frames of 23 bytes
        let report = backend.report
        #expect(report.link.corruptedBytes >= report.link.messagesHitByNoise)
        #expect(report.link.messagesHitByNoise > 100)
        // A frame hit by noise is discarded whole; every other frame gets through.
        #expect(report.device.framesReceived == 1000 - report.link.messagesHitByNoise)
        #expect(report.device.rejectedMessages >= 1)
    }
}
