import KneadCore
import KneadEngine
import KneadWire
import Testing
@testable import KneadSimulator

/// The simulator behind real bytes: the host's knead wire protocol session
/// (`KWPHostSession`, what `knead play --port` runs) against `KWPServedDevice` (what
/// `knead sim` serves), through the served port's own fault injector, on one virtual
/// clock stepped a millisecond at a time. What the removed sim-link pipe checked —
/// framing, integrity checks, resynchronisation, identity, lead timing under latency,
/// noise — is checked here on the path that plays.
@Suite("Serving: host session against the wire device")
struct ServingWireTests {
    /// Host and device sharing one clock, the port's faults between them.
    final class Bench {
        var host = KWPHostSession()
        let model: DeviceModel
        let device: KWPServedDevice
        var injector: ByteFaultInjector
        let latency: Double
        private var inFlight = FIFO<(arrival: Double, bytes: [UInt8])>()
        /// Device seconds of every setpoint executed from the buffer.
        private(set) var executed: [Double] = []
        private(set) var now = 0.0

        init(profile: DeviceProfile = .chair, faults: ServeFaults = .none, trace: TraceSink? = nil) {
            model = DeviceModel(profile: profile, configuration: .served(body: .default))
            if let trace { model.attachTrace(TraceWriter(sink: trace), interval: 0.01) }
            device = KWPServedDevice(model: model, configuration: KWPServedDevice.configuration(
                for: profile, body: .default, rest: model.configuration.restPosition))
            injector = ByteFaultInjector(faults: faults, endings: DeviceProtocol.kwp.messageEndings)
            latency = faults.latency
            device.onExecuted = { [unowned self] time, count in
                executed += Array(repeating: time, count: count)
            }
        }

        func exchange() {
            host.poll(now: now)
            let sent = host.takeOutput()
            if !sent.isEmpty { inFlight.append((now + latency, injector.fromHost(sent))) }
            while let chunk = inFlight.first, chunk.arrival <= now + 1e-9 {
                _ = inFlight.removeFirst()
                device.receive(chunk.bytes[...], at: chunk.arrival)
            }
            device.advance(to: now)
            let answered = device.takeOutput()
            if !answered.isEmpty { host.receive(injector.toHost(answered), now: now) }
            host.poll(now: now)
        }

        func run(until end: Double) {
            while now < end - 1e-9 {
                now = (now * 1000 + 1).rounded() / 1000
                exchange()
            }
        }

        /// HELLO, IDENTIFY and the clock sync, as play's driver opens the port.
        func open() throws -> KWPIdentity {
            host.start(now: now)
            exchange()
            run(until: now + 0.3)
            // On a noisy line IDENTIFY (the longest packet) can take several HELLOs, as it
            // can for play's driver, which waits up to the identify timeout (2 s).
            while host.identity == nil && now < 0.8 { run(until: now + 0.1) }
            return try #require(host.identity)
        }

        var counters: ServeReport.KWPCounters {
            guard case let .kwp(counters) = device.protocolReport else { preconditionFailure("not KWP") }
            return counters
        }
    }

    /// Frames at 100 Hz through the safety envelope, as the engine makes them.
    static func frames(from start: Double, seconds: Double, intensity: Double) -> [SafeFrame] {
        let envelope = SafetyEnvelope(limits: Fixtures.looseLimits)
        return (0...Int((seconds * 100).rounded())).map { index in
            envelope.admit(Fixtures.frame(Double(index) / 100, intensity: intensity))
        }.map { $0 }
    }

    /// Streams `frames` 150 ms ahead of their time (session time 0 at `start`).
    static func play(_ frames: [SafeFrame], on bench: Bench, from start: Double) {
        for frame in frames {
            bench.run(until: start + frame.frame.time - 0.15)
            let values = frame.frame
            bench.host.enqueue(ChannelValues(intensity: values.intensity, x: values.x, y: values.y,
                                             pressure: values.pressure, heat: values.heat),
                               at: start + values.time)
        }
        bench.run(until: start + (frames.last?.frame.time ?? 0) + 0.3)
    }

    // MARK: Identity

    @Test func theHostIdentifiesTheSimulatedDevice() throws {
        let bench = Bench(profile: .handheld)
        let identity = try bench.open()
        #expect(identity.model == "knead sim (handheld)")
        #expect(identity.firmware == "knead-sim 1")
        #expect(identity.channels.map(\.channel) == [.intensity])
        #expect(bench.host.state == .ready)
    }

    // MARK: Percussion (channels 5 and 6)

    @Test func aChairThatTapsAnnouncesPercussionAndTapsFromTheWire() throws {
        let bench = Bench(profile: .chair)
        let identity = try bench.open()
        let rate = try #require(identity.channels.first { $0.channel == .percussionRate })
        #expect(rate.min == 0 && rate.max == 1200, "0 = no taps … 12 Hz, in hundredths of a hertz")
        #expect(identity.channels.contains { $0.channel == .percussionDepth && $0.steps == 64 })
        // Three seconds of 6 Hz taps at full depth on a level of 0.5, as the compiler hands them over.
        for k in 0...300 {
            bench.run(until: 1 + Double(k) / 100 - 0.15)
            bench.host.enqueue(ChannelValues(intensity: 0.5, x: 0.5, y: 0.5, percussionRate: 6, percussionDepth: 1),
                               at: 1 + Double(k) / 100)
        }
        // A second of it, once the motor has reached its level (2.85…3.85 s).
        let start = bench.now
        var levels: [Double] = []
        while bench.now < start + 1 - 1e-9 {
            bench.run(until: bench.now + 0.001)
            levels.append(bench.model.state.intensity)
        }
        var taps = 0, down = false
        for level in levels {
            if level < 0.05 { down = true } else if down && level > 0.45 { taps += 1; down = false }
        }
        #expect(taps == 6, "six full taps in the second: \(levels.min() ?? 0)…\(levels.max() ?? 0)")
        // STOP ends the taps with the level: nothing moves after the motor has come down.
        bench.host.stop(now: bench.now)
        bench.run(until: bench.now + 0.5)
        let after = (0..<100).map { _ -> Double in
            bench.run(until: bench.now + 0.001)
            return bench.model.state.intensity
        }
        #expect((after.max() ?? 1) < 0.001, "at rest after STOP")
    }

    // MARK: Framing

    @Test func theDeviceResynchronisesAfterNoiseInAnyChunking() {
        let stream: [UInt8] = [0x13, 0x37, 0x00, 0x42]  // noise, then a stray byte
            + [0x00] + KWPMessage.hello(tag: 1).encodedFrame()
            + Array(KWPMessage.heartbeat(tag: 2).encodedFrame().dropFirst(2))  // its start lost
            + KWPMessage.stop(tag: 3, nextSequence: 0).encodedFrame()
        var outcomes: Set<[Int]> = []
        for chunkSize in 1...stream.count {
            let model = DeviceModel(profile: .chair, configuration: .served(body: .default))
            let device = KWPServedDevice(model: model, configuration: KWPServedDevice.configuration(
                for: .chair, body: .default, rest: model.configuration.restPosition))
            var start = 0
            while start < stream.count {
                device.receive(stream[start..<min(stream.count, start + chunkSize)], at: 0.001 * Double(start))
                start += chunkSize
            }
            var host = KWPHostSession()
            host.start(now: 0)
            host.receive(device.takeOutput(), now: 0)
            #expect(host.identity?.model == "knead sim (chair)", "chunks of \(chunkSize)")
            guard case let .kwp(counters) = device.protocolReport else { Issue.record("not KWP"); return }
            #expect(counters.packets == 2 && counters.stops == 1, "chunks of \(chunkSize)")
            #expect(counters.droppedFrames >= 2, "chunks of \(chunkSize)")
            #expect(model.counters.rejectedMessages == counters.droppedFrames, "chunks of \(chunkSize)")
            outcomes.insert([counters.packets, counters.droppedFrames])
        }
        #expect(outcomes.count == 1, "the chunking changes nothing")
    }

    @Test func arbitraryBytesNeverKeepAGoodFrameFromTheDevice() {
        let model = DeviceModel(profile: .chair, configuration: .served(body: .default))
        let device = KWPServedDevice(model: model, configuration: KWPServedDevice.configuration(
            for: .chair, body: .default, rest: model.configuration.restPosition))
        var random = SplitMix64(seed: 99)
        for index in 0..<2000 {
            let chunk = (0..<Int(random.next() % 64)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            device.receive(chunk[...], at: Double(index) * 0.001)
        }
        _ = device.takeOutput()
        device.receive(([0x00] + KWPMessage.hello(tag: 7).encodedFrame())[...], at: 2.0)
        var host = KWPHostSession()
        host.start(now: 0)
        host.receive(device.takeOutput(), now: 0)
        #expect(host.identity?.model == "knead sim (chair)")
    }

    // MARK: Playing

    @Test func framesOverTheWireDoWhatTheyDoInProcess() throws {
        let sinks = (direct: MemoryTraceSink(), wire: MemoryTraceSink())
        let frames = Self.frames(from: 0, seconds: 2, intensity: 0.6)
        let direct = Host()
        let backend = SimulatorBackend(profile: .handheld, configuration: .init(mode: .lead(0.15)),
                                       trace: sinks.direct, clock: direct.clock)
        _ = try backend.open()
        for frame in frames {
            direct.moveClock(to: frame.frame.time)
            try backend.send(frame)
        }
        direct.moveClock(to: 2.2)  // the last frame is in force; then stop, as play ends
        backend.close()

        let bench = Bench(profile: .handheld, trace: sinks.wire)
        _ = try bench.open()
        Self.play(frames, on: bench, from: 1)
        bench.host.stop(now: bench.now)
        bench.run(until: bench.now + 1)
        bench.model.finishTrace()

        // Handheld intensities on its 100 steps survive the 16-bit trip unchanged, and
        // both devices step through the same levels.
        let levels = { (sink: MemoryTraceSink) -> [Substring] in
            var levels: [Substring] = []
            for line in sink.lines.dropFirst() {
                let level = line.split(separator: ",")[1]
                if levels.last != level { levels.append(level) }
            }
            return levels
        }
        #expect(levels(sinks.wire) == levels(sinks.direct))
        #expect(levels(sinks.direct).count > 3)
        #expect(bench.executed.count == frames.count)
        #expect(backend.report.errors.timing.max == 0)
    }

    @Test func latencyInsideTheLeadKeepsEveryStamp() throws {
        let bench = Bench(faults: ServeFaults(latency: 0.02))
        _ = try bench.open()
        let frames = Self.frames(from: 0, seconds: 1, intensity: 0.8)
        Self.play(frames, on: bench, from: 1)
        // 20 ms on the wire is well inside the 150 ms lead: nothing is late and every
        // setpoint keeps its place in time. Only the clock sync sees the latency: one way
        // only, it reads as half of it in the offset (NTP's asymmetry error), the same
        // for every setpoint.
        #expect(bench.executed.count == 101)
        #expect(bench.counters.late == 0)
        let offsets = zip(bench.executed, frames).map { $0 - (1 + $1.frame.time) }
        let offset = try #require(offsets.first)
        #expect(abs(offset) <= 0.01 + 0.001 + 1e-9)
        for (delta, frame) in zip(offsets, frames) {
            #expect(abs(delta - offset) <= 0.001 + 1e-9, "frame at \(frame.frame.time)")
        }
    }

    // MARK: Faults

    @Test func damagedFramesAreCaughtByTheCRCAndSentAgain() throws {
        let bench = Bench(faults: ServeFaults(corrupt: .everyNth(5)))
        _ = try bench.open()
        Self.play(Self.frames(from: 0, seconds: 1, intensity: 0.8), on: bench, from: 1)
        let counters = bench.counters
        #expect(bench.injector.counters.corruptedMessages >= 5)
        #expect(counters.droppedFrames == bench.injector.counters.corruptedMessages)
        #expect(bench.model.counters.rejectedMessages == counters.droppedFrames)
        // The host sends what was lost again: nothing is missing.
        #expect(counters.executed == 101 && bench.executed.count == 101)
    }

    @Test func lineNoiseLosesOnlyTheFramesItHitsAndTheHostResendsThem() throws {
        let bench = Bench(faults: ServeFaults(noise: 0.01, seed: 3))
        _ = try bench.open()
        Self.play(Self.frames(from: 0, seconds: 5, intensity: 0.8), on: bench, from: 1)
        let counters = bench.counters
        #expect(bench.injector.counters.corruptedBytes > 100)
        #expect(counters.droppedFrames > 10)
        #expect(bench.model.counters.rejectedMessages == counters.droppedFrames)
        #expect(counters.executed == 501)
        #expect(bench.host.statistics.retransmittedPackets > 0)
    }
}
