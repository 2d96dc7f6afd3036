import Testing
@testable import KneadWire

func decodeAll(_ bytes: [UInt8]) -> [KWPMessage] {
    var decoder = KWPStreamDecoder()
    return decoder.push(bytes).compactMap { try? $0.get() }
}

/// A host session driven by hand against a scripted device whose clock is host time in µs
/// plus 1 000 000 (replies take 1 ms, symmetric).
struct ScriptedHost {
    var session = KWPHostSession()
    var now = 0.0
    let identity: KWPIdentity

    init(identity: KWPIdentity = TestDevices.handheld.identity, configuration: KWPHostConfiguration = KWPHostConfiguration()) {
        self.identity = identity
        session = KWPHostSession(configuration: configuration)
    }

    static func deviceTicks(_ hostTime: Double) -> UInt64 { UInt64((1_000_000 + hostTime * 1e6).rounded()) }

    mutating func takeMessages() -> [KWPMessage] { decodeAll(session.takeOutput()) }

    mutating func deliver(_ message: KWPMessage) {
        session.receive(message.encodedFrame(), now: now)
    }

    mutating func advance(_ seconds: Double) {
        now += seconds
        session.poll(now: now)
    }

    /// Start, identify, answer the clock requests: ready.
    mutating func openToReady() {
        session.start(now: now)
        #expect(takeMessages() == [.hello(tag: 1)])
        now += 0.002
        deliver(.identify(tag: 1, identity))
        while session.state == .synchronizing {
            let requests = takeMessages().compactMap { message -> UInt8? in
                if case let .clockRequest(tag) = message { return tag }
                return nil
            }
            guard let tag = requests.last else {
                advance(0.001)
                continue
            }
            now += 0.002
            deliver(.clock(tag: tag, deviceTime: Self.deviceTicks(now - 0.001)))
            session.poll(now: now)
        }
        #expect(session.state == .ready)
        #expect(session.takeEvents() == [.identified(identity), .ready])
    }
}

@Suite struct KWPHostSessionTests {
    @Test func startSendsADelimiterThenHello() {
        var session = KWPHostSession()
        session.start(now: 0)
        #expect(session.takeOutput() == [0x00] + KWPMessage.hello(tag: 1).encodedFrame())
        #expect(session.state == .identifying)
    }

    @Test func handshakeIdentifiesThenSynchronisesTheClock() {
        var host = ScriptedHost()
        host.openToReady()
        #expect(host.session.identity == TestDevices.handheld.identity)
        #expect(host.session.statistics.clockSamples == 6)
        let ticks = host.session.deviceTicks(atHostTime: 1.0)!
        #expect(abs(ticks - 2_000_000) < 0.5, "device clock estimated from the round trips: \(ticks)")
    }

    @Test func aSilentDeviceFailsIdentifyAfterTwoSecondsWithRetries() {
        var session = KWPHostSession()
        session.start(now: 0)
        var hellos = decodeAll(session.takeOutput()).count
        var now = 0.0
        while now < 2.5 {
            now += 0.01
            session.poll(now: now)
            hellos += decodeAll(session.takeOutput()).filter { $0.type == .hello }.count
        }
        #expect(hellos == 20, "HELLO at 0, 0.1, … 1.9 s")
        #expect(session.state == .failed(.identifyTimedOut(seconds: 2)))
        #expect(session.takeEvents() == [.failed(.identifyTimedOut(seconds: 2))])
        #expect(KWPHostError.identifyTimedOut(seconds: 2).description.contains("did not answer identify"))
    }

    /// Answers that never arrive whole (a noisy line) and an IDENTIFY that arrives whole
    /// but is not one (wrong firmware) are told apart from silence.
    @Test func damagedAndMalformedIdentifiesSayWhatWentWrong() {
        var noisy = KWPHostSession()
        noisy.start(now: 0)
        var damaged = KWPMessage.identify(tag: 1, TestDevices.handheld.identity).encodedFrame()
        damaged[5] ^= 0x40
        noisy.receive(damaged, now: 0.05)
        noisy.poll(now: 2.0)
        #expect(noisy.state == .failed(.identifyDamaged(seconds: 2, frames: 1)))
        #expect(KWPHostError.identifyDamaged(seconds: 2, frames: 1).description.contains("none of its answers arrived whole"))

        var wrong = KWPHostSession()
        wrong.start(now: 0)
        wrong.receive(rawFrame(type: 0x81, seq: 1, payload: [1, 2, 3, 4, 5, 6, 7]), now: 0.05)
        guard case let .failed(.protocolViolation(what)) = wrong.state else {
            Issue.record("a malformed IDENTIFY should fail the session at once: \(wrong.state)")
            return
        }
        #expect(what.contains("does not follow docs/protocol.md 3.1"))
    }

    @Test func anAnswerToAnEarlierHelloIsAccepted() {
        var session = KWPHostSession()
        session.start(now: 0)
        session.poll(now: 0.2)
        #expect(decodeAll(session.takeOutput()).filter { $0.type == .hello }.count == 2)
        session.receive(KWPMessage.identify(tag: 1, TestDevices.handheld.identity).encodedFrame(), now: 0.25)
        #expect(session.state == .synchronizing)
    }

    @Test func anotherProtocolVersionIsReportedAsSuch() {
        var session = KWPHostSession()
        session.start(now: 0)
        session.receive(rawFrame(type: 0x81, seq: 1, payload: [], version: 2), now: 0.01)
        #expect(session.state == .failed(.unsupportedVersion(2)))
    }

    @Test func packetsStayWithinTheirSizeLimit() {
        var host = ScriptedHost(identity: TestDevices.chair.identity)
        host.openToReady()
        for index in 0..<40 {
            host.session.enqueue(KWPChannelValues(intensity: UInt16(index)), at: host.now + 0.15 + Double(index) * 0.001)
        }
        host.advance(0.001)
        let frames = host.takeMessages().filter { $0.type == .frames }
        #expect(frames.count > 2)
        var counts: [Int] = [], masks: [UInt8] = []
        for message in frames {
            #expect(message.encodedPacket().count <= 48)
            if case let .frames(_, batch) = message {
                counts.append(batch.setpoints.count)
                masks.append(batch.channelMask)
            }
        }
        // The first packet after IDENTIFY carries all five channels: two setpoints fit in 48
        // bytes. After it only intensity changes, so only intensity goes: six fit.
        #expect(counts.first == 2 && masks.first == 0x1F)
        #expect(counts.dropFirst().dropLast().allSatisfy { $0 == 6 } && masks.dropFirst().allSatisfy { $0 == 0x01 },
                "\(counts) \(masks)")
    }

    /// A packet carries the channels that change within it (and intensity); the device
    /// holds the others, so what it plays is what was enqueued.
    @Test func onlyTheChannelsThatChangeGoOnTheWire() {
        var configuration = KWPHostConfiguration()
        configuration.maxPacketBytes = 254
        var host = ScriptedHost(identity: TestDevices.chair.identity, configuration: configuration)
        host.openToReady()
        let steady = KWPChannelValues(intensity: 100, x: 0x8000, y: 0x4000, pressure: 2000, heat: 500)
        var moved = steady
        moved.x = 0x9000
        var values = Array(repeating: steady, count: 4) + Array(repeating: moved, count: 4)
        values[5].intensity = 200
        for (index, value) in values.enumerated() {
            host.session.enqueue(value, at: host.now + 0.15 + Double(index) * 0.01)
        }
        host.advance(0.05)  // the first is due within the batch lead: all eight go in one packet
        let batches = host.takeMessages().compactMap { message -> KWPFrames? in
            if case let .frames(_, batch) = message { return batch } else { return nil }
        }
        #expect(batches.map(\.channelMask) == [0x1F], "first packet: every channel")
        // After it: x and intensity change in the next batch, nothing else.
        host.session.enqueue(moved, at: host.now + 0.2)
        for (index, value) in values.enumerated() {
            host.session.enqueue(value, at: host.now + 0.21 + Double(index) * 0.01)
        }
        host.advance(0.1)
        // (Nobody acknowledges here: the first packet is also sent again; only new ones count.)
        let later = host.takeMessages().compactMap { message -> KWPFrames? in
            if case let .frames(sequence, batch) = message, sequence > 0 { return batch } else { return nil }
        }
        #expect(later.map(\.channelMask) == [0x03])
        // A device given these packets holds the channels left out.
        var chair = TestDevices.chair
        chair.parameters.watchdogMilliseconds = 60_000  // played without a host beside it
        let device = KWPDevice(configuration: chair)
        var decoder = KWPStreamDecoder()
        device.receive(KWPMessage.hello(tag: 1).encodedFrame(), now: 0)
        for (sequence, batch) in (batches + later).enumerated() {
            device.receive(KWPMessage.frames(sequence: UInt8(sequence), batch).encodedFrame(), now: 0)
        }
        _ = decoder.push(device.takeOutput())
        var played: [KWPChannelValues] = []
        for setpoint in (batches + later).flatMap(\.setpoints) {
            played.append(device.advance(to: UInt64(setpoint.time)))
        }
        #expect(played.count >= 16 && played == Array((values + [moved] + values).prefix(played.count)))
    }

    @Test func setpointsAreBatchedAndStampedInDeviceTime() {
        var configuration = KWPHostConfiguration()
        configuration.maxPacketBytes = 254
        var host = ScriptedHost(identity: TestDevices.chair.identity, configuration: configuration)
        host.openToReady()
        let start = host.now
        // 100 Hz, handed over 150 ms ahead as the engine does in lead mode.
        for index in 0..<5 {
            host.session.enqueue(KWPChannelValues(intensity: UInt16(index), x: 0x8000, y: 0x4000),
                                 at: start + 0.150 + Double(index) * 0.01)
        }
        host.advance(0.029)
        #expect(host.takeMessages().allSatisfy { $0.type != .frames }, "not due within 120 ms yet")
        host.advance(0.001)
        let sent = host.takeMessages().filter { $0.type == .frames }
        guard case let .frames(sequence, frames) = sent.first else {
            Issue.record("expected FRAMES, got \(sent)")
            return
        }
        #expect(sequence == 0)
        #expect(frames.channelMask == 0x1F)
        #expect(frames.setpoints.map(\.values.intensity) == [0, 1, 2, 3, 4])
        let expected = (0..<5).map { UInt32(ScriptedHost.deviceTicks(start + 0.150 + Double($0) * 0.01)) }
        for (setpoint, time) in zip(frames.setpoints, expected) {
            #expect(abs(Int64(setpoint.time) - Int64(time)) <= 1)
        }
        #expect(host.session.statistics.shortLeadSetpoints == 0)
    }

    @Test func stopGoesOutAheadOfEverythingNotYetTaken() {
        var host = ScriptedHost()
        host.openToReady()
        for index in 0..<20 {
            host.session.enqueue(KWPChannelValues(intensity: 1000), at: host.now + 0.05 + Double(index) * 0.01)
        }
        host.advance(0.001)
        // Two FRAMES (the 8 slots the handheld has) and a HEARTBEAT asking for more room
        // are in the output, not yet taken by the transport.
        host.session.stop(now: host.now)
        let messages = host.takeMessages()
        #expect(messages == [.stop(tag: 9, nextSequence: 2), .heartbeat(tag: 8)])
        #expect(messages.allSatisfy { $0.type != .frames })
        #expect(host.session.state == .stopping)
        #expect(host.session.unacknowledgedSetpoints == 0)
    }

    @Test func stopIsRepeatedUntilConfirmed() {
        var host = ScriptedHost()
        host.openToReady()
        host.session.stop(now: host.now)
        _ = host.takeMessages()
        host.advance(0.049)
        #expect(host.takeMessages().allSatisfy { $0.type != .stop })
        host.advance(0.001)
        #expect(host.takeMessages() == [.stop(tag: 8, nextSequence: 0)])
        host.deliver(.stopped(tag: 8, free: 8))
        #expect(host.session.state == .ready)
        #expect(host.session.takeEvents() == [.stopConfirmed])
        host.advance(0.2)
        #expect(host.takeMessages().allSatisfy { $0.type != .stop })
    }

    /// Eight setpoints in two packets of four, sent; returns the session with them in flight.
    static func twoPacketsInFlight() -> ScriptedHost {
        var host = ScriptedHost()
        host.openToReady()
        for index in 0..<8 {
            host.session.enqueue(KWPChannelValues(intensity: UInt16(index)), at: host.now + 0.05 + Double(index) * 0.001)
        }
        host.advance(0.001)
        #expect(host.takeMessages().map(\.type) == [.frames, .frames], "8 setpoints in batches of 4")
        return host
    }

    static func sequences(_ messages: [KWPMessage]) -> [UInt8] {
        messages.compactMap { message in
            if case let .frames(sequence, _) = message { return sequence }
            return nil
        }
    }

    @Test func aStopWhileSynchronisingReturnsToSynchronising() {
        var host = ScriptedHost()
        host.session.start(now: 0)
        host.deliver(.identify(tag: 1, host.identity))
        host.session.stop(now: 0.01)
        #expect(host.session.state == .stopping)
        let stop = host.takeMessages().first { $0.type == .stop }
        guard case let .stop(tag, next) = stop else {
            Issue.record("no STOP sent")
            return
        }
        #expect(next == 0)
        host.deliver(.stopped(tag: tag, free: 8))
        #expect(host.session.state == .synchronizing)
    }

    @Test func aNakMakesTheHostResendFromTheExpectedSequenceBehindAMarker() {
        var host = Self.twoPacketsInFlight()
        host.deliver(.nak(nextSequence: 0, free: 8, reason: .gap, refused: 1))
        let resent = host.takeMessages()
        #expect(resent.first == .clockRequest(tag: 8), "the marker goes out ahead of the resent packets")
        #expect(Self.sequences(resent) == [0, 1])
        // Packet 1's first copy reaches the device before the resent 0: its NAK is stale.
        host.deliver(.nak(nextSequence: 0, free: 8, reason: .gap, refused: 1))
        #expect(host.takeMessages().isEmpty)
        host.deliver(.ack(nextSequence: 2, free: 0))
        #expect(host.session.unacknowledgedSetpoints == 0)
        #expect(host.session.statistics.retransmittedPackets == 2)
    }

    @Test func aNakAfterTheMarkerIsAnsweredMeansTheResentPacketWasLostToo() {
        var host = Self.twoPacketsInFlight()
        host.deliver(.nak(nextSequence: 0, free: 8, reason: .gap, refused: 1))
        _ = host.takeMessages()
        host.deliver(.clock(tag: 8, deviceTime: ScriptedHost.deviceTicks(host.now)))
        host.deliver(.nak(nextSequence: 0, free: 8, reason: .corrupt, refused: 0))
        let resent = host.takeMessages()
        #expect(resent.first == .clockRequest(tag: 9))
        #expect(Self.sequences(resent) == [0, 1])
    }

    /// Damage that slipped past the CRC reaches the device as a malformed packet: once is
    /// the line (resend, like a corrupt one); the same packet three times is a real
    /// disagreement about the format, and the session ends with a clear error.
    @Test func aMalformedNakIsResentOnceAndEndsTheSessionOnTheThirdTime() {
        var host = Self.twoPacketsInFlight()
        host.deliver(.nak(nextSequence: 0, free: 8, reason: .malformed, refused: 0))
        #expect(Self.sequences(host.takeMessages()) == [0, 1])
        #expect(host.session.state == .ready)
        for marker in [UInt8(8), 9] {
            host.deliver(.clock(tag: marker, deviceTime: ScriptedHost.deviceTicks(host.now)))
            host.deliver(.nak(nextSequence: 0, free: 8, reason: .malformed, refused: 0))
        }
        #expect(host.session.statistics.malformedNaks == 3)
        guard case let .failed(error) = host.session.state else {
            Issue.record("still \(host.session.state) after three malformed NAKs")
            return
        }
        #expect(error.description.contains("malformed three times"), "\(error)")
        #expect(host.takeMessages().first?.type == .stop, "and asks the device for zero")
    }

    @Test func aNakForAPacketFirstSentAfterTheGoBackIsFresh() {
        var host = Self.twoPacketsInFlight()
        host.deliver(.nak(nextSequence: 0, free: 8, reason: .gap, refused: 1))
        _ = host.takeMessages()
        host.deliver(.ack(nextSequence: 0, free: 8))
        host.session.enqueue(KWPChannelValues(intensity: 100), at: host.now + 0.05)
        host.advance(0.001)
        #expect(Self.sequences(host.takeMessages()) == [], "no room: 8 setpoints are in flight")
        host.deliver(.ack(nextSequence: 1, free: 8))
        host.advance(0.001)
        #expect(Self.sequences(host.takeMessages()) == [2])
        // Packet 2 was first sent after the go-back: its NAK means the resent 1 was lost.
        host.deliver(.nak(nextSequence: 1, free: 8, reason: .gap, refused: 2))
        #expect(Self.sequences(host.takeMessages()) == [1, 2])
    }

    @Test func unacknowledgedPacketsAreResentAfterTheTimeoutWithBackoffCappedAt50Milliseconds() {
        var host = ScriptedHost()
        host.openToReady()
        host.session.enqueue(KWPChannelValues(intensity: 1), at: host.now + 0.1)
        host.advance(0.001)
        let sentAt = host.now
        #expect(host.takeMessages().filter { $0.type == .frames }.count == 1)
        var resends: [Double] = []
        while host.now < sentAt + 0.4 {
            host.advance(0.001)
            if host.takeMessages().contains(where: { $0.type == .frames }) { resends.append(host.now - sentAt) }
        }
        // Initial timeout 50 ms, doubling up to 50 ms: a serial line has no congestion to
        // back off from, and a longer wait would spend the lead (150 ms) on one loss.
        let want = [0.050, 0.100, 0.150, 0.200, 0.250, 0.300, 0.350]
        #expect(resends.count >= want.count)
        for (got, want) in zip(resends, want) { #expect(abs(got - want) < 0.0015, "resent at \(got) s") }
    }

    @Test func neverMoreSetpointsInFlightThanTheDeviceHasRoomFor() {
        var host = ScriptedHost()
        host.openToReady()
        for index in 0..<12 {
            host.session.enqueue(KWPChannelValues(intensity: UInt16(index)), at: host.now + 0.05 + Double(index) * 0.001)
        }
        host.advance(0.001)
        let first = host.takeMessages()
        let sent = first.reduce(0) { count, message in
            if case let .frames(_, frames) = message { return count + frames.setpoints.count }
            return count
        }
        #expect(sent == 8, "the handheld has 8 slots")
        #expect(first.contains(.heartbeat(tag: 8)), "asks for free space at once")
        host.advance(0.02)
        #expect(host.takeMessages() == [.heartbeat(tag: 9)], "and again every 20 ms while blocked")
        host.deliver(.ack(nextSequence: 2, free: 4))
        host.advance(0.001)
        let rest = host.takeMessages().filter { $0.type == .frames }
        guard case let .frames(sequence, frames) = rest.first else {
            Issue.record("expected FRAMES, got \(rest)")
            return
        }
        #expect(sequence == 2)
        #expect(frames.setpoints.map(\.values.intensity) == [8, 9, 10, 11])
    }

    @Test func aHeartbeatGoesOutAQuarterWatchdogAfterTheLastPacket() {
        var host = ScriptedHost()
        host.openToReady()
        _ = host.takeMessages()
        var heartbeats: [Double] = []
        for _ in 0..<2000 {
            host.advance(0.0001)
            if host.takeMessages().contains(where: { $0.type == .heartbeat }) {
                heartbeats.append(host.now)
                host.deliver(.ack(nextSequence: 0, free: 8))
            }
        }
        #expect(heartbeats.count == 3)
        #expect(abs(heartbeats[1] - heartbeats[0] - 0.0625) < 0.00015)
        #expect(abs(heartbeats[2] - heartbeats[1] - 0.0625) < 0.00015)
    }

    /// A HEARTBEAT or its ACK lost to noise: the host cannot know the watchdog was fed,
    /// so it sends them every sixteenth of the watchdog (15.6 ms) until one is answered.
    /// A NAK for a damaged packet is no answer (the damaged packet fed nothing).
    @Test func unansweredHeartbeatsGoFourTimesAsOftenUntilTheDeviceAnswers() {
        var host = ScriptedHost()
        host.openToReady()
        _ = host.takeMessages()
        var heartbeats: [Double] = []
        for _ in 0..<2500 {
            host.advance(0.0001)
            if host.takeMessages().contains(where: { $0.type == .heartbeat }) {
                heartbeats.append(host.now)
                if heartbeats.count <= 4 { host.deliver(.nak(nextSequence: 0, free: 8, reason: .corrupt, refused: 0)) }
                if heartbeats.count == 5 { host.deliver(.ack(nextSequence: 0, free: 8)) }
            }
        }
        let gaps = zip(heartbeats.dropFirst(), heartbeats).map { $0 - $1 }
        #expect(gaps.count >= 5, "heartbeats at \(heartbeats)")
        for gap in gaps.prefix(4) { #expect(abs(gap - 0.015625) < 0.00015, "gaps \(gaps)") }
        #expect(abs(gaps[4] - 0.0625) < 0.00015, "answered: back to a quarter of the watchdog; gaps \(gaps)")
    }

    @Test func aSilentDeviceEndsTheSessionAndAStopIsSent() {
        var host = ScriptedHost()
        host.openToReady()
        host.advance(0.995)
        _ = host.takeMessages()
        #expect(host.session.state == .ready)
        host.advance(0.006)
        #expect(host.session.state == .failed(.deviceSilent(seconds: 1)))
        #expect(host.takeMessages().first?.type == .stop)
    }

    @Test func aHaltingFaultEndsTheSessionWithTheReason() {
        var host = ScriptedHost()
        host.openToReady()
        let fault = KWPFault(deviceTime: 5, code: .overTemperature, detail: 452)
        host.deliver(.fault(counter: 0, fault))
        #expect(host.session.takeEvents() == [.fault(fault), .failed(.deviceHalted(fault))])
        #expect(KWPHostError.deviceHalted(fault).description == "the device halted itself: over temperature (detail 452)")
    }

    @Test func aRestartedDeviceIsNoticed() {
        var host = ScriptedHost()
        host.openToReady()
        host.deliver(.nak(nextSequence: 0, free: 8, reason: .notAccepting, refused: 0))
        #expect(host.session.state == .failed(.notAccepting))
    }

    @Test func setpointsHandedOverLateAreCountedAndStillSent() {
        var host = ScriptedHost()
        host.openToReady()
        host.session.enqueue(KWPChannelValues(intensity: 1), at: host.now + 0.03)
        host.advance(0.001)
        #expect(host.takeMessages().filter { $0.type == .frames }.count == 1)
        #expect(host.session.statistics.shortLeadSetpoints == 1)
    }
}
