import Testing
@testable import KneadWire

enum TestDevices {
    /// A small handheld: 8 slots, batches of 4, 1 MHz clock, watchdog 250 ms, ramp 100 ms.
    static let handheld = KWPDeviceConfiguration(
        parameters: KWPDeviceParameters(clockHz: 1_000_000, bufferDepth: 8, maxBatch: 4,
                                        watchdogMilliseconds: 250, stopRampMilliseconds: 100,
                                        telemetryPeriodMilliseconds: 0),
        channels: [KWPChannelInfo(channel: .intensity, steps: 100, maxSlew: 3000)],
        model: "test-handheld", firmware: "0.1")

    /// A chair: five channels, pressure limited to 1000…60000, rest at the spine.
    static let chair = KWPDeviceConfiguration(
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
        model: "test-chair", firmware: "2.3.4", rest: KWPChannelValues(x: 0x8000, y: 0))

    /// A tapping mechanism: intensity and percussion, rate 0…12 Hz (hundredths of a hertz).
    static let tapper = KWPDeviceConfiguration(
        parameters: KWPDeviceParameters(clockHz: 1_000_000, bufferDepth: 8, maxBatch: 4,
                                        watchdogMilliseconds: 250, stopRampMilliseconds: 100,
                                        telemetryPeriodMilliseconds: 0),
        channels: [
            KWPChannelInfo(channel: .intensity, steps: 256),
            KWPChannelInfo(channel: .percussionRate, steps: 64, max: 1200),
            KWPChannelInfo(channel: .percussionDepth, steps: 64),
        ],
        model: "test-tapper", firmware: "1")
}

/// A device under test with decoded replies.
final class DeviceHarness {
    let device: KWPDevice
    var decoder = KWPStreamDecoder()

    init(_ configuration: KWPDeviceConfiguration = TestDevices.handheld) {
        device = KWPDevice(configuration: configuration)
    }

    /// Sends frames at device time `now` and returns the device's replies.
    @discardableResult
    func send(_ frames: [UInt8], at now: UInt64) -> [KWPMessage] {
        device.receive(frames, now: now)
        return replies()
    }

    @discardableResult
    func send(_ message: KWPMessage, at now: UInt64) -> [KWPMessage] {
        send(message.encodedFrame(), at: now)
    }

    func advance(to now: UInt64) -> (KWPChannelValues, [KWPMessage]) {
        let target = device.advance(to: now)
        return (target, replies())
    }

    func replies() -> [KWPMessage] {
        decoder.push(device.takeOutput()).map { result in
            guard case let .success(message) = result else {
                Issue.record("device sent an undecodable frame: \(result)")
                return .heartbeat(tag: 0)
            }
            return message
        }
    }

    /// HELLO at `now`, checking the IDENTIFY.
    func open(at now: UInt64 = 0) {
        let replies = send(.hello(tag: 1), at: now)
        #expect(replies == [.identify(tag: 1, device.configuration.identity)])
    }
}

func frames(_ sequence: UInt8, mask: UInt8 = 0x01, _ setpoints: [(UInt32, UInt16)]) -> KWPMessage {
    .frames(sequence: sequence, KWPFrames(channelMask: mask, setpoints: setpoints.map {
        KWPSetpoint(time: $0.0, values: KWPChannelValues(intensity: $0.1))
    }))
}

@Suite struct KWPDeviceTests {
    @Test func helloIsAnsweredWithTheConfiguration() {
        let harness = DeviceHarness(TestDevices.chair)
        #expect(harness.device.state == .idle)
        let replies = harness.send(.hello(tag: 0x2A), at: 5)
        #expect(replies == [.identify(tag: 0x2A, KWPIdentity(
            parameters: TestDevices.chair.parameters, channels: TestDevices.chair.channels,
            model: "test-chair", firmware: "2.3.4"))])
        #expect(harness.device.state == .ready)
    }

    @Test func framesBeforeHelloAreRefused() {
        let harness = DeviceHarness()
        #expect(harness.send(frames(0, [(1000, 100)]), at: 0) == [.nak(nextSequence: 0, free: 8, reason: .notAccepting, refused: 0)])
        #expect(harness.device.queuedCount == 0)
    }

    @Test func framesInOrderAreQueuedAndAcknowledgedWithFreeSpace() {
        let harness = DeviceHarness()
        harness.open()
        #expect(harness.send(frames(0, [(1000, 10), (2000, 20), (3000, 30)]), at: 100)
                == [.ack(nextSequence: 1, free: 5)])
        #expect(harness.send(frames(1, [(4000, 40)]), at: 200) == [.ack(nextSequence: 2, free: 4)])
        #expect(harness.device.queuedCount == 4)
        #expect(harness.device.state == .playing)
    }

    @Test func setpointsAreExecutedAtTheirDeviceTime() {
        let harness = DeviceHarness()
        harness.open()
        harness.send(frames(0, [(1000, 10), (2000, 20), (3000, 30)]), at: 100)
        #expect(harness.advance(to: 999).0.intensity == 0)
        #expect(harness.advance(to: 1000).0.intensity == 10)
        #expect(harness.advance(to: 2500).0.intensity == 20)
        #expect(harness.advance(to: 3000).0.intensity == 30)
        #expect(harness.advance(to: 9000).0.intensity == 30, "the last setpoint holds when the queue is empty")
        #expect(harness.device.statistics.executed == 3)
        #expect(harness.device.freeSlots == 8)
    }

    @Test func severalDueSetpointsLeaveTheLastOne() {
        let harness = DeviceHarness()
        harness.open()
        harness.send(frames(0, [(1000, 10), (2000, 20), (3000, 30)]), at: 100)
        #expect(harness.advance(to: 2999).0.intensity == 20)
        #expect(harness.device.statistics.executed == 2)
    }

    @Test func setpointTimesWrapAround32Bits() {
        let harness = DeviceHarness()
        let start: UInt64 = 0xFFFF_FF00
        harness.open(at: start)
        harness.send(frames(0, [(0xFFFF_FFF0, 10), (0x0000_0010, 20)]), at: start)
        #expect(harness.advance(to: 0xFFFF_FFF0).0.intensity == 10)
        #expect(harness.advance(to: 0x1_0000_000F).0.intensity == 10)
        #expect(harness.advance(to: 0x1_0000_0010).0.intensity == 20)
    }

    @Test func aDuplicateIsIgnoredAndAcknowledgedAgain() {
        let harness = DeviceHarness()
        harness.open()
        harness.send(frames(0, [(1000, 10)]), at: 100)
        #expect(harness.send(frames(0, [(1000, 10)]), at: 200) == [.ack(nextSequence: 1, free: 7)])
        #expect(harness.device.queuedCount == 1)
        #expect(harness.device.statistics.duplicates == 1)
    }

    @Test func aGapIsRefusedWithTheExpectedSequence() {
        let harness = DeviceHarness()
        harness.open()
        #expect(harness.send(frames(1, [(1000, 10)]), at: 100) == [.nak(nextSequence: 0, free: 8, reason: .gap, refused: 1)])
        #expect(harness.device.queuedCount == 0)
        #expect(harness.device.statistics.gaps == 1)
    }

    @Test func aFullBufferRefusesTheWholePacket() {
        let harness = DeviceHarness()
        harness.open()
        harness.send(frames(0, [(1000, 1), (2000, 2), (3000, 3), (4000, 4)]), at: 0)
        harness.send(frames(1, [(5000, 5), (6000, 6), (7000, 7)]), at: 0)
        #expect(harness.send(frames(2, [(8000, 8), (9000, 9)]), at: 0)
                == [.nak(nextSequence: 2, free: 1, reason: .noRoom, refused: 2)])
        #expect(harness.device.queuedCount == 7)
        harness.device.advance(to: 1500)
        #expect(harness.send(frames(2, [(8000, 8), (9000, 9)]), at: 1500) == [.ack(nextSequence: 3, free: 0)])
    }

    @Test func malformedFramesAreRefused() {
        let harness = DeviceHarness()
        harness.open()
        // A channel the handheld does not have.
        #expect(harness.send(frames(0, mask: 0x03, [(1000, 10)]), at: 0)
                == [.nak(nextSequence: 0, free: 8, reason: .malformed, refused: 0)])
        // More than max_batch (4).
        #expect(harness.send(frames(0, [(1, 1), (2, 2), (3, 3), (4, 4), (5, 5)]), at: 0)
                == [.nak(nextSequence: 0, free: 8, reason: .malformed, refused: 0)])
        // A length that does not match the count.
        #expect(harness.send(rawFrame(type: 0x03, seq: 0, payload: [0x01, 2, 0, 0, 0, 0, 0, 0]), at: 0)
                == [.nak(nextSequence: 0, free: 8, reason: .malformed, refused: 0)])
        #expect(harness.device.queuedCount == 0)
    }

    @Test func channelsMissingFromTheMaskHoldAndValuesAreClampedToTheChannelRange() {
        let harness = DeviceHarness(TestDevices.chair)
        harness.open()
        let first = KWPSetpoint(time: 1000, values: KWPChannelValues(intensity: 100, x: 200, y: 300,
                                                                     pressure: 65000, heat: 500))
        harness.send(.frames(sequence: 0, KWPFrames(channelMask: 0x1F, setpoints: [first])), at: 0)
        let second = KWPSetpoint(time: 2000, values: KWPChannelValues(intensity: 900, pressure: 10))
        harness.send(.frames(sequence: 1, KWPFrames(channelMask: 0x09, setpoints: [second])), at: 0)
        #expect(harness.advance(to: 1000).0 == KWPChannelValues(intensity: 100, x: 200, y: 300, pressure: 60000, heat: 500))
        #expect(harness.advance(to: 2000).0 == KWPChannelValues(intensity: 900, x: 200, y: 300, pressure: 1000, heat: 500))
    }

    @Test func percussionRidesOnFramesIsClampedToItsRangeAndEndsWithStopAndTheWatchdog() {
        let harness = DeviceHarness(TestDevices.tapper)
        harness.open()
        #expect(harness.device.configuration.identity.channelMask == 0x61)
        let tap = KWPChannelValues(intensity: 40000, percussionRate: 2000, percussionDepth: 50000)
        harness.send(.frames(sequence: 0, KWPFrames(channelMask: 0x61, setpoints: [KWPSetpoint(time: 1000, values: tap)])),
                     at: 0)
        #expect(harness.advance(to: 1000).0 == KWPChannelValues(intensity: 40000, percussionRate: 1200,
                                                                 percussionDepth: 50000), "20 Hz clamps to 12 Hz")
        #expect(harness.send(.stop(tag: 2, nextSequence: 1), at: 2000) == [.stopped(tag: 2, free: 8)])
        #expect(harness.device.target == .zero, "STOP ends the taps with the level")

        // The watchdog's ramp: depth falls with intensity, the rate holds until rest.
        harness.send(.frames(sequence: 1, KWPFrames(channelMask: 0x61, setpoints: [KWPSetpoint(time: 3000, values: tap)])),
                     at: 2500)
        harness.device.advance(to: 3000)
        #expect(harness.advance(to: 2500 + 250_000).1.first?.type == .fault, "host silent for 250 ms")
        #expect(harness.advance(to: 2500 + 250_000 + 50_000).0
                == KWPChannelValues(intensity: 20000, percussionRate: 1200, percussionDepth: 25000))
        #expect(harness.advance(to: 2500 + 250_000 + 100_000).0 == .zero, "at rest: no taps")
        // A mask with a channel the device lacks (heat) is refused.
        #expect(harness.send(.stop(tag: 3, nextSequence: 2), at: 400_000) == [.stopped(tag: 3, free: 8)])
        #expect(harness.send(frames(2, mask: 0x71, [(500_000, 1)]), at: 400_000)
                == [.nak(nextSequence: 2, free: 8, reason: .malformed, refused: 2)])
    }

    @Test func stopActsAheadOfEverythingQueued() {
        let harness = DeviceHarness()
        harness.open()
        harness.send(frames(0, [(1000, 500), (2000, 600), (3000, 700)]), at: 0)
        #expect(harness.advance(to: 1000).0.intensity == 500)
        #expect(harness.send(.stop(tag: 7, nextSequence: 1), at: 1100) == [.stopped(tag: 7, free: 8)])
        #expect(harness.device.target.intensity == 0, "zero at once, not at the next setpoint")
        #expect(harness.device.queuedCount == 0)
        #expect(harness.advance(to: 5000).0.intensity == 0, "queued setpoints never run after STOP")
        #expect(harness.device.state == .ready)
    }

    @Test func packetsAbandonedByStopAreIgnoredIfTheyArriveLate() {
        let harness = DeviceHarness()
        harness.open()
        harness.send(frames(0, [(1000, 500)]), at: 0)
        // The host had sent 1 and 2 when it stopped: STOP names 3 as the next.
        #expect(harness.send(.stop(tag: 8, nextSequence: 3), at: 100) == [.stopped(tag: 8, free: 8)])
        #expect(harness.send(frames(1, [(2000, 600)]), at: 150) == [.ack(nextSequence: 3, free: 8)])
        #expect(harness.send(frames(2, [(3000, 700)]), at: 160) == [.ack(nextSequence: 3, free: 8)])
        #expect(harness.device.queuedCount == 0)
        #expect(harness.send(frames(3, [(4000, 800)]), at: 170) == [.ack(nextSequence: 4, free: 7)])
        #expect(harness.advance(to: 4000).0.intensity == 800)
    }

    @Test func aMalformedStopIsStillObeyed() {
        let harness = DeviceHarness()
        harness.open()
        harness.send(frames(0, [(1000, 500)]), at: 0)
        harness.device.advance(to: 1000)
        let replies = harness.send(rawFrame(type: 0x04, seq: 9, payload: []), at: 1200)
        #expect(replies == [.stopped(tag: 9, free: 8),
                            .fault(counter: 0, KWPFault(deviceTime: 1200, code: .malformed, detail: 0x04))])
        #expect(harness.device.target.intensity == 0)
        #expect(harness.device.expectedSequence == 1)
    }

    @Test func theWatchdogFiresAfterExactlyItsPeriodOfHostSilenceAndRamps() {
        let harness = DeviceHarness()
        harness.open()
        harness.send(frames(0, [(20_000, 40000)]), at: 10_000)
        #expect(harness.advance(to: 10_000 + 249_999) == (KWPChannelValues(intensity: 40000), []))
        #expect(harness.device.state == .playing)
        let (target, replies) = harness.advance(to: 10_000 + 250_000)
        #expect(replies == [.fault(counter: 0, KWPFault(deviceTime: 260_000, code: .watchdog, detail: 250))])
        #expect(harness.device.state == .halted)
        #expect(target.intensity == 40000, "the ramp starts where the output was")
        // 100 ms ramp, linear.
        #expect(harness.advance(to: 260_000 + 25_000).0.intensity == 30000)
        #expect(harness.advance(to: 260_000 + 50_000).0.intensity == 20000)
        #expect(harness.advance(to: 260_000 + 100_000).0.intensity == 0)
        #expect(harness.device.statistics.watchdogTrips == 1)
    }

    @Test func anyValidPacketFeedsTheWatchdog() {
        let harness = DeviceHarness()
        harness.open()
        harness.send(frames(0, [(1000, 40000)]), at: 0)
        _ = harness.advance(to: 1000)
        var now: UInt64 = 0
        for _ in 0..<20 {
            now += 200_000
            #expect(harness.send(.heartbeat(tag: 1), at: now) == [.ack(nextSequence: 1, free: 8)])
            #expect(harness.advance(to: now + 249_999).1.isEmpty)
        }
        #expect(harness.device.state == .playing)
    }

    @Test func corruptBytesDoNotFeedTheWatchdog() {
        let harness = DeviceHarness()
        harness.open()
        harness.send(frames(0, [(1000, 40000)]), at: 0)
        var corrupt = KWPMessage.heartbeat(tag: 1).encodedFrame()
        corrupt[3] ^= 0x10
        #expect(harness.send(corrupt, at: 200_000) == [.nak(nextSequence: 1, free: 7, reason: .corrupt, refused: 1)])
        #expect(harness.advance(to: 250_000).1.map(\.type) == [.fault])
    }

    @Test func theWatchdogIsNotArmedBeforeFrames() {
        let harness = DeviceHarness()
        harness.open()
        #expect(harness.advance(to: 10_000_000).1.isEmpty)
        #expect(harness.device.state == .ready)
    }

    @Test func aHaltedDeviceRefusesFramesUntilStop() {
        let harness = DeviceHarness()
        harness.open()
        harness.send(frames(0, [(1000, 40000)]), at: 0)
        _ = harness.advance(to: 300_000)
        #expect(harness.send(frames(1, [(400_000, 1)]), at: 310_000)
                == [.nak(nextSequence: 1, free: 8, reason: .notAccepting, refused: 1)])
        #expect(harness.send(.stop(tag: 2, nextSequence: 1), at: 320_000) == [.stopped(tag: 2, free: 8)])
        #expect(harness.device.target.intensity == 0, "STOP ends the ramp at zero")
        #expect(harness.send(frames(1, [(400_000, 1)]), at: 330_000) == [.ack(nextSequence: 2, free: 7)])
    }

    @Test func aLateSetpointIsReportedAndAppliedAtOnce() {
        let harness = DeviceHarness()
        harness.open()
        let replies = harness.send(frames(0, [(5000, 10), (20_000, 20)]), at: 17_000)
        #expect(replies == [.ack(nextSequence: 1, free: 6),
                            .fault(counter: 0, KWPFault(deviceTime: 17_000, code: .lateSetpoint, detail: 12))])
        #expect(harness.advance(to: 17_000).0.intensity == 10)
        #expect(harness.device.statistics.late == 1)
    }

    @Test func clockRequestsAreAnsweredWithTheDeviceTime() {
        let harness = DeviceHarness()
        #expect(harness.send(.clockRequest(tag: 0x33), at: 0x1_2345_6789) == [.clock(tag: 0x33, deviceTime: 0x1_2345_6789)])
    }

    @Test func telemetryIsSentEveryPeriodOnceOpened() {
        let harness = DeviceHarness(TestDevices.chair)
        #expect(harness.advance(to: 1_000_000).1.isEmpty, "no telemetry before HELLO")
        harness.open(at: 1_000_000)
        #expect(harness.advance(to: 1_049_999).1.isEmpty)
        harness.send(.frames(sequence: 0, KWPFrames(channelMask: 0x1F, setpoints: [
            KWPSetpoint(time: 1_050_000, values: KWPChannelValues(intensity: 7, x: 8, y: 9, pressure: 2000, heat: 11)),
            KWPSetpoint(time: 1_090_000, values: KWPChannelValues(intensity: 1, x: 2, y: 3, pressure: 4000, heat: 5)),
        ])), at: 1_049_999)
        harness.device.temperatureCentiCelsius = 3512
        let (_, replies) = harness.advance(to: 1_050_000)
        #expect(replies == [.telemetry(counter: 0, KWPTelemetry(
            deviceTime: 1_050_000, state: .playing,
            actual: KWPChannelValues(intensity: 7, x: 8, y: 9, pressure: 2000),
            temperatureCentiCelsius: 3512, queued: 1, free: 63))])
        harness.device.measured = KWPChannelValues(intensity: 6)
        #expect(harness.advance(to: 1_099_999).1.isEmpty)
        let second = harness.advance(to: 1_100_000).1
        guard case let .telemetry(counter, telemetry) = second.first else {
            Issue.record("expected telemetry, got \(second)")
            return
        }
        #expect(counter == 1)
        #expect(telemetry.actual.intensity == 6, "measured values are reported when given")
    }

    @Test func unknownTypesAndVersionsAreReported() {
        let harness = DeviceHarness()
        #expect(harness.send(rawFrame(type: 0x42, seq: 0, payload: []), at: 1)
                == [.fault(counter: 0, KWPFault(deviceTime: 1, code: .unknownType, detail: 0x42))])
        #expect(harness.send(rawFrame(type: 0x01, seq: 0, payload: [], version: 2), at: 2)
                == [.fault(counter: 1, KWPFault(deviceTime: 2, code: .unsupportedVersion, detail: 2))])
        #expect(harness.device.state == .idle)
    }

    @Test func aHaltingFaultStopsAtOnceAndRefusesFrames() {
        let harness = DeviceHarness()
        harness.open()
        harness.send(frames(0, [(1000, 500), (2000, 600)]), at: 0)
        _ = harness.advance(to: 1000)
        harness.device.raiseFault(.userStop, detail: 0, now: 1500)
        #expect(harness.replies() == [.fault(counter: 0, KWPFault(deviceTime: 1500, code: .userStop, detail: 0))])
        #expect(harness.device.target.intensity == 0)
        #expect(harness.advance(to: 3000).0.intensity == 0)
        #expect(harness.device.state == .halted)
    }

    @Test func helloResetsTheSession() {
        let harness = DeviceHarness()
        harness.open()
        harness.send(frames(0, [(1000, 500)]), at: 0)
        harness.send(frames(1, [(2000, 500)]), at: 0)
        harness.open(at: 10)
        #expect(harness.device.queuedCount == 0)
        #expect(harness.device.expectedSequence == 0)
        #expect(harness.send(frames(0, [(3000, 5)]), at: 20) == [.ack(nextSequence: 1, free: 7)])
    }

    @Test func aFullOutputBufferDropsWholePacketsNeverHalfOnes() {
        var configuration = TestDevices.handheld
        configuration.outputCapacity = 20
        let harness = DeviceHarness(configuration)
        harness.device.receive(KWPMessage.clockRequest(tag: 1).encodedFrame(), now: 1)
        harness.device.receive(KWPMessage.clockRequest(tag: 2).encodedFrame(), now: 2)
        #expect(harness.device.statistics.outputDropped == 1)
        #expect(harness.replies() == [.clock(tag: 1, deviceTime: 1)])
    }
}
