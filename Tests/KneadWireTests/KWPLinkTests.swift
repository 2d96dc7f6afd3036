import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import KneadWire
import KneadCore

/// One direction of a serial line under virtual time: 10 bits a byte at `baud`, bytes in
/// order, and a share of them corrupted (one bit flipped).
struct VirtualLine {
    let secondsPerByte: Double
    let corruption: Double
    var random: SplitMix64
    private var queue: [(arrival: Double, byte: UInt8)] = []
    private var head = 0
    private var busyUntil = 0.0
    private(set) var bytesSent = 0
    private(set) var bytesCorrupted = 0

    init(baud: Double = 115_200, corruption: Double = 0, seed: UInt64) {
        secondsPerByte = 10 / baud
        self.corruption = corruption
        random = SplitMix64(seed: seed)
    }

    mutating func send(_ bytes: [UInt8], at now: Double) {
        for var byte in bytes {
            if corruption > 0 && random.chance(corruption) {
                byte ^= UInt8(1) << (random.next() % 8)
                bytesCorrupted += 1
            }
            busyUntil = max(busyUntil, now) + secondsPerByte
            queue.append((busyUntil, byte))
            bytesSent += 1
        }
    }

    mutating func take(upTo now: Double) -> ArraySlice<(arrival: Double, byte: UInt8)> {
        let start = head
        while head < queue.count, queue[head].arrival <= now { head += 1 }
        let taken = queue[start..<head]
        if head > 4096 {
            queue.removeFirst(head)
            head = 0
            return ArraySlice(Array(taken))
        }
        return taken
    }
}

/// A host session and a device wired back to back under virtual time, with an "engine"
/// that hands frames to the host `lead` seconds before they are due, as lead mode does.
final class BackToBack {
    var host: KWPHostSession
    let device: KWPDevice
    var toDevice: VirtualLine
    var toHost: VirtualLine
    var now = 0.0
    /// The device clock: its own offset and a drift of 200 ppm fast.
    let clockOffset = 987_654_321.0
    let drift = 200e-6
    let lead = 0.15

    /// Frames to play: due at `start + k / rate`, intensity k + 1 (0 is rest).
    var start: Double?
    var rate = 100.0
    var frameCount = 0
    private var handedOver = 0
    /// Host stalls (the process not scheduled): it neither polls nor reads nor hands over.
    var stalls: [ClosedRange<Double>] = []
    /// The host process is gone from this time on (killed).
    var hostDiesAt = Double.infinity
    /// Every change of the device's output: host time, intensity.
    private(set) var outputLog: [(time: Double, intensity: UInt16)] = []
    private(set) var events: [KWPHostEvent] = []
    private var lastIntensity: UInt16 = 0
    /// Optional trace of every message sent each way (before corruption), for debugging.
    var trace: ((String) -> Void)?
    private var traceHostOut = KWPStreamDecoder()
    private var traceDeviceOut = KWPStreamDecoder()
    private var traceDeviceIn = KWPStreamDecoder()

    init(device configuration: KWPDeviceConfiguration = TestDevices.chair, corruption: Double = 0,
         replyCorruption: Double? = nil, seed: UInt64 = 1) {
        host = KWPHostSession()
        device = KWPDevice(configuration: configuration)
        toDevice = VirtualLine(corruption: corruption, seed: seed)
        toHost = VirtualLine(corruption: replyCorruption ?? corruption, seed: seed &+ 1)
    }

    func ticks(_ hostTime: Double) -> UInt64 { UInt64(clockOffset + 1e6 * (1 + drift) * hostTime) }

    func dueTime(_ frame: Int) -> Double { start! + Double(frame) / rate }

    var hostRunning: Bool { now < hostDiesAt && !stalls.contains { $0.contains(now) } }

    func run(until end: Double, step: Double = 0.0005) {
        if now == 0 {
            host.start(now: 0)
            toDevice.send(host.takeOutput(), at: 0)
        }
        while now < end {
            now += step
            for (arrival, byte) in toDevice.take(upTo: now) {
                device.receive(byte, now: ticks(arrival))
                if let trace, let result = traceDeviceIn.push(byte) { trace(String(format: "%.4f dev got  ", arrival) + "\(result)") }
            }
            let intensity = device.advance(to: ticks(now)).intensity
            if intensity != lastIntensity {
                outputLog.append((now, intensity))
                lastIntensity = intensity
            }
            let deviceOutput = device.takeOutput()
            if let trace { for result in traceDeviceOut.push(deviceOutput) { trace(String(format: "%.4f dev sent ", now) + "\(result)") } }
            toHost.send(deviceOutput, at: now)
            guard hostRunning else { continue }
            host.receive(toHost.take(upTo: now).map(\.byte), now: now)
            for event in host.takeEvents() {
                events.append(event)
                if event == .ready, start == nil { start = now + 0.3 }
            }
            if start != nil {
                while handedOver < frameCount, dueTime(handedOver) - lead <= now {
                    host.enqueue(KWPChannelValues(intensity: UInt16(handedOver + 1), x: 0x8000, y: 0x4000,
                                                  pressure: 3000, heat: 100),
                                 at: dueTime(handedOver))
                    handedOver += 1
                }
            }
            host.poll(now: now)
            let hostOutput = host.takeOutput()
            if let trace { for result in traceHostOut.push(hostOutput) { trace(String(format: "%.4f host sent ", now) + "\(result)") } }
            toDevice.send(hostOutput, at: now)
        }
    }

    /// Runs until every frame was due `margin` seconds ago (at most `limit` seconds).
    func playAll(margin: Double = 0.5, limit: Double = 30) {
        while now < limit {
            run(until: now + 0.1)
            if start != nil, frameCount == 0 || now > dueTime(frameCount - 1) + margin { return }
        }
    }

    /// Intensities the device put out, in order, without the rests.
    var playedFrames: [Int] { outputLog.map { Int($0.intensity) }.filter { $0 > 0 } }

    /// For each played frame, device ticks between when it was due and when it came out.
    var lateness: [Double] {
        outputLog.filter { $0.intensity > 0 }.map { entry in
            Double(ticks(entry.time)) - Double(ticks(dueTime(Int(entry.intensity) - 1)))
        }
    }
}

@Suite struct KWPLinkTests {
    @Test func aCleanLinkPlaysEveryFrameOnceAndOnTime() {
        let link = BackToBack()
        link.frameCount = 300
        link.playAll()
        #expect(link.playedFrames == Array(1...300))
        #expect(link.device.statistics.accepted == 300)
        #expect(link.host.statistics.retransmittedPackets == 0)
        // Within a step (500 µs) plus the clock estimate's error (the 115200 link's
        // unequal request and reply lengths bias the midpoint by about 0.3 ms).
        let worst = link.lateness.map(abs).max() ?? .infinity
        #expect(worst < 1000, "worst timing error \(worst) µs")
        #expect(abs(link.host.clock!.drift - 200e-6) < 30e-6, "drift estimated \(link.host.clock!.drift)")
    }

    @Test(arguments: [UInt64(0xBAD_1), 0xBAD_2, 0xBAD_3])
    func onePercentCorruptedBytesLoseNoFrameAndDuplicatesAreSuppressed(seed: UInt64) {
        let link = BackToBack(corruption: 0.01, seed: seed)
        link.frameCount = 600
        link.playAll()
        #expect(link.toDevice.bytesCorrupted > 50 && link.toHost.bytesCorrupted > 50)
        #expect(link.events.allSatisfy { if case .failed = $0 { return false } else { return true } })
        #expect(link.device.statistics.accepted == 600, "every setpoint accepted exactly once")
        #expect(link.device.statistics.executed == 600)
        let played = link.playedFrames
        #expect(played == played.sorted() && Set(played).count == played.count, "in order, none twice")
        #expect(link.host.statistics.retransmittedPackets > 0)
        #expect(link.device.statistics.droppedFrames > 0)
        // Retransmission fits in the lead: a frame may come a little late on such a line,
        // never by as much as the lead (150 ms). (See manySeeds… below for the odds.)
        let worst = link.lateness.max() ?? .infinity
        #expect(worst < 100_000, "worst lateness \(worst) µs")
    }

    /// The same line over many seeds: no session ends, no frame is later than the lead.
    /// `KNEAD_LINK_SEEDS=900 swift test --filter manySeeds` measured, on 2026-11-21: 899
    /// of 900 runs with no frame more than 10 ms late (one run: 5 frames, worst 35 ms), no
    /// session ended. Before the heartbeat, HELLO, retransmit-cap and malformed-NAK fixes:
    /// 6 of 200 runs ended (watchdog starved, identify lost, damage past the CRC) and
    /// more had frames up to 2.5 s late.
    @Test func manySeedsOfOnePercentNoiseEndNoSessionAndPlayNoFrameLaterThanTheLead() {
        // Twelve seeds, and three that broke earlier versions: 27 starved the watchdog, 86
        // lost every IDENTIFY, 182 backed off to 100 ms retransmits and played 31 ms late.
        let count = getenv("KNEAD_LINK_SEEDS").flatMap { Int(String(cString: $0)) }
        let seeds = count.map { Array(0..<$0) } ?? Array(0..<12) + [27, 86, 182]
        var worst = 0.0, lateRuns = 0
        for seed in seeds {
            let link = BackToBack(corruption: 0.01, seed: 0x5EED_0000 + UInt64(seed))
            link.frameCount = 600
            link.playAll()
            let failures = link.events.filter { if case .failed = $0 { return true } else { return false } }
            #expect(failures.isEmpty, "seed \(seed): \(failures)")
            #expect(link.device.statistics.executed == 600, "seed \(seed)")
            let lateness = link.lateness.max() ?? 0
            if lateness > 10_000 { lateRuns += 1 }
            worst = max(worst, lateness)
        }
        print("\(seeds.count) seeds at 1 % noise: \(lateRuns) with a frame over 10 ms late, worst \(worst / 1000) ms")
        #expect(worst < 150_000, "worst lateness \(worst) µs")
    }

    /// A session that played a few frames, then idles (only HEARTBEATs) for a minute on a
    /// line damaging 3 % of bytes: the device's watchdog is never starved. With a
    /// HEARTBEAT only every 62.5 ms, three lost in a row tripped it.
    @Test func aNoisyIdleLineNeverStarvesTheWatchdog() {
        let link = BackToBack(corruption: 0.03, seed: 0x1D1E)
        link.frameCount = 50
        link.run(until: 60)
        #expect(link.device.statistics.executed == 50)
        #expect(link.start != nil, "the session opened")
        #expect(link.toDevice.bytesCorrupted > 100)
        #expect(link.device.statistics.watchdogTrips == 0)
        #expect(link.events.allSatisfy { if case .failed = $0 { return false } else { return true } })
    }

    @Test func lostAcknowledgementsCauseDuplicatesThatTheDeviceIgnores() {
        // Only the replies are corrupted (2 % of bytes): every FRAMES arrives, but lost
        // ACKs make the host send some again.
        let link = BackToBack(corruption: 0, replyCorruption: 0.02, seed: 0xACC)
        link.frameCount = 400
        link.playAll()
        #expect(link.start != nil, "the session opened")
        #expect(link.device.statistics.duplicates > 0)
        #expect(link.host.statistics.retransmittedPackets >= link.device.statistics.duplicates)
        #expect(link.device.statistics.accepted == 400)
        #expect(link.playedFrames == Array(1...400))
    }

    @Test func stopOvertakesFramesQueuedOnTheDevice() {
        let link = BackToBack()
        link.frameCount = 400
        link.run(until: 1.5)
        let queuedBeforeStop = link.device.queuedCount
        #expect(queuedBeforeStop >= 10, "about 150 ms of frames wait in the device")
        link.host.stop(now: link.now)
        link.toDevice.send(link.host.takeOutput(), at: link.now)
        let stoppedAt = link.now
        link.frameCount = 0
        link.run(until: 2.5)
        #expect(link.device.statistics.stops == 1)
        let afterStop = link.outputLog.filter { $0.time > stoppedAt }
        #expect(afterStop.count == 1 && afterStop.first?.intensity == 0, "zero, then nothing more: \(afterStop)")
        #expect(afterStop.first!.time - stoppedAt < 0.002, "the STOP frame took \(afterStop.first!.time - stoppedAt) s")
        #expect(link.device.statistics.accepted - link.device.statistics.executed >= queuedBeforeStop)
        #expect(link.events.contains(.stopConfirmed))
    }

    @Test func theDeviceWatchdogStopsItWhenTheHostDies() {
        let link = BackToBack()
        link.frameCount = 1000
        link.hostDiesAt = 1.2
        link.run(until: 2.5)
        #expect(link.device.state == .halted)
        #expect(link.device.statistics.watchdogTrips == 1)
        // The last frames the host had sent still play (they are ahead of its death),
        // then silence for 250 ms trips the watchdog, and the ramp takes 250 ms.
        let zero = link.outputLog.last!
        #expect(zero.intensity == 0)
        #expect(zero.time < 1.2 + 0.25 + 0.25 + 0.01, "at zero \(zero.time - 1.2) s after the host died")
    }

    @Test func aFiftyMillisecondHostStallPlaysNoFrameLate() {
        let link = BackToBack()
        link.frameCount = 500
        link.stalls = [1.0...1.05, 2.2...2.25, 3.4...3.45]
        link.playAll()
        #expect(link.playedFrames == Array(1...500))
        let worst = link.lateness.max() ?? .infinity
        #expect(worst < 1000, "worst lateness \(worst) µs")
        #expect(link.device.statistics.late == 0)
    }
}
