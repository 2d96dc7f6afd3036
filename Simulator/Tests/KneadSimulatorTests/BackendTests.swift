import Foundation
import KneadCore
import KneadEngine
import Testing
@testable import KneadSimulator

/// Drives a backend the way the engine does, on a virtual clock: frames every 10 ms,
/// each sent at its time (immediate) or at its time with the session `lead` later.
final class Host {
    let clock = VirtualClock()
    let envelope = SafetyEnvelope(limits: Fixtures.looseLimits)
    var now: Double { Double(clock.now()) / 1e9 }

    func moveClock(to seconds: Double) {
        let target = UInt64((seconds * 1e9).rounded())
        if target > clock.now() { clock.advance(by: target - clock.now()) }
    }

    /// Sends frames at 100 Hz for session times `from`…`until` (inclusive); returns the
    /// error that stopped it, if any.
    @discardableResult
    func play(_ backend: any Backend, from: Double = 0, until: Double, intensity: Double = 0.8,
              y: Double = 0.5) -> BackendError? {
        for index in Int((from * 100).rounded())...Int((until * 100).rounded()) {
            let time = Double(index) / 100
            moveClock(to: time)
            do {
                try backend.send(envelope.admit(Fixtures.frame(time, intensity: intensity, y: y)))
            } catch {
                return error
            }
        }
        return nil
    }
}

@Suite struct BackendTests {
    @Test func capabilitiesComeFromTheProfile() {
        let host = Host()
        let chair = SimulatorBackend(profile: .chair, clock: host.clock)
        #expect(chair.capabilities == BackendCapabilities(channels: [.intensity, .position, .pressure, .heat],
                                                          intensitySteps: 256, maxRate: 2000, mode: .immediate))
        let handheld = SimulatorBackend(profile: .handheld, configuration: .init(mode: .lead(0.15)), clock: host.clock)
        #expect(handheld.capabilities == BackendCapabilities(channels: [.intensity], intensitySteps: 100,
                                                             maxRate: 1000, mode: .lead(0.15)))
    }

    @Test func openIdentifiesAndSendBeforeOpenIsRefused() throws {
        let host = Host()
        let backend = SimulatorBackend(profile: .chair, clock: host.clock)
        #expect(throws: BackendError.refused("the simulator is not open: call open() first")) {
            try backend.send(host.envelope.admit(Fixtures.frame(0)))
        }
        let identity = try backend.open()
        #expect(identity == DeviceIdentity(model: "knead simulator (chair)", firmware: "knead-sim 1",
                                           protocolName: "in-process"))
    }

    @Test func watchdogFiresWhenTheHostFallsSilentUnderAVirtualClock() throws {
        let host = Host()
        let sink = MemoryTraceSink()
        let backend = SimulatorBackend(profile: .chair, trace: sink, clock: host.clock)
        _ = try backend.open()
        host.play(backend, until: 1.0)
        #expect(backend.state.setIntensity == 204.0 / 255.0)
        // The host goes silent: the test moves time on without a call to the backend.
        host.moveClock(to: 1.3)
        let state = backend.state
        #expect(backend.report.device.watchdogFirings == 1)
        #expect(state.setIntensity < 204.0 / 255.0)
        backend.close()
        #expect(backend.state.isAtZero)
        let watchdogRows = sink.lines.filter { $0.hasSuffix(",watchdog") }.map { $0.prefix(6) }
        #expect(watchdogRows == ["1.250,"])
    }

    @Test func stopReachesTheDeviceAtOnce() throws {
        let host = Host()
        let backend = SimulatorBackend(profile: .chair, clock: host.clock)
        _ = try backend.open()
        host.play(backend, until: 0.5)
        try backend.stop()
        let state = backend.state
        #expect(state.setIntensity == 0 && state.setPressure == 0 && state.setHeat == 0)
        #expect(backend.report.device.lastStopTime == 0.5)
        #expect(backend.report.link.stopsSent == 1)
        backend.close()
        #expect(backend.state.isAtZero)
    }

    @Test func leadModeFramesTakeEffectAtTheirStamps() throws {
        let host = Host()
        let backend = SimulatorBackend(profile: .chair, configuration: .init(mode: .lead(0.15)), clock: host.clock)
        _ = try backend.open()
        // As the engine does: session time 0 is the first send plus the lead.
        host.play(backend, until: 1.0)
        host.moveClock(to: 1.2)
        let report = backend.report
        #expect(report.device.framesApplied == 101)
        #expect(report.errors.timing == .init(count: 101, p50: 0, p99: 0, max: 0))
        #expect(report.errors.lateFrames == 0)
    }

    @Test func latencyDelaysEveryFrameByItsAmount() throws {
        let host = Host()
        let backend = SimulatorBackend(profile: .chair, configuration: .init(faults: .init(latency: 0.005)),
                                       clock: host.clock)
        _ = try backend.open()
        host.play(backend, until: 1.0)
        host.moveClock(to: 1.1)
        #expect(backend.report.errors.timing == .init(count: 101, p50: 0.005, p99: 0.005, max: 0.005))
    }

    @Test func droppedFramesAreCountedAndNeverReachTheDevice() throws {
        let host = Host()
        let backend = SimulatorBackend(profile: .chair, configuration: .init(faults: .init(drop: .everyNth(10))),
                                       clock: host.clock)
        _ = try backend.open()
        host.play(backend, from: 0, until: 0.99)  // 100 frames
        let report = backend.report
        #expect(report.link.messagesSent == 100)
        #expect(report.link.dropped == 10)
        #expect(report.device.framesReceived == 90)
    }

    @Test func randomDropsRepeatForTheSameSeed() throws {
        func run(seed: UInt64) throws -> SimulatorReport {
            let host = Host()
            let faults = SimulatorFaults(drop: .probability(0.2), seed: seed)
            let backend = SimulatorBackend(profile: .chair, configuration: .init(faults: faults), clock: host.clock)
            _ = try backend.open()
            host.play(backend, until: 9.99)  // 1000 frames
            return backend.report
        }
        let first = try run(seed: 7), again = try run(seed: 7), other = try run(seed: 8)
        #expect(first == again)
        #expect(first.link.dropped + first.device.framesReceived == 1000)
        #expect(first.link.dropped > 100 && first.link.dropped < 300)
        #expect(other.link.dropped != first.link.dropped || other.state != first.state)
    }

    @Test func corruptedFramesAreRejectedByTheDevice() throws {
        let host = Host()
        let backend = SimulatorBackend(profile: .chair, configuration: .init(faults: .init(corrupt: .everyNth(7))),
                                       clock: host.clock)
        _ = try backend.open()
        host.play(backend, until: 0.99)
        let report = backend.report
        #expect(report.link.corrupted == 14)
        #expect(report.device.rejectedMessages == 14)
        #expect(report.device.framesReceived == 86)
    }

    @Test func disconnectThrowsFromItsTimeAndTheWatchdogTakesOver() throws {
        let host = Host()
        let sink = MemoryTraceSink()
        let backend = SimulatorBackend(profile: .chair, configuration: .init(faults: .init(disconnectAt: 0.5)),
                                       trace: sink, clock: host.clock)
        _ = try backend.open()
        let error = host.play(backend, until: 1.0)
        #expect(error == .disconnected("the simulated device hung up at 0.5 s (fault injection: disconnect)"))
        #expect(host.now == 0.5)
        #expect(backend.report.device.framesReceived == 50)
        #expect(throws: BackendError.self) { try backend.stop() }
        #expect(throws: BackendError.self) { try backend.heartbeat() }
        backend.close()
        // Nothing reached the device after 0.49 s: its watchdog fired 0.25 s later.
        #expect(backend.state.isAtZero)
        let events = sink.lines.filter { !$0.hasSuffix(",") }.dropFirst().map { line -> String in
            let columns = line.split(separator: ",")
            return "\(columns[0]) \(columns[11])"
        }
        #expect(events == ["0.500 disconnect", "0.740 watchdog"])
    }

    @Test func aStallDelaysWhatArrivesMeanwhile() throws {
        let host = Host()
        let faults = SimulatorFaults(stalls: [.init(at: 0.5, duration: 0.1)])
        let backend = SimulatorBackend(profile: .chair, configuration: .init(faults: faults), clock: host.clock)
        _ = try backend.open()
        host.play(backend, until: 1.0)
        host.moveClock(to: 1.1)
        let report = backend.report
        // Frames at 0.50 … 0.59 s wait for 0.6 s: 100 … 10 ms late; the rest are on time.
        #expect(report.errors.timing.max == 0.1)
        #expect(report.errors.lateFrames == 10)
        #expect(report.device.watchdogFirings == 0)
    }

    @Test func closeLeavesTheDeviceAtZeroAndEndsTelemetry() async throws {
        let host = Host()
        let backend = SimulatorBackend(profile: .chair, clock: host.clock)
        _ = try backend.open()
        host.play(backend, until: 0.5)
        backend.close()
        #expect(backend.state.isAtZero)
        var samples: [Telemetry] = []
        for await sample in backend.telemetry { samples.append(sample) }
        #expect(samples.first?.time == 0)
        #expect(samples.contains { $0.events.contains(.stop) })
        #expect(samples.last.map { $0.intensity < 0.5 / 255 } == true)
        #expect(throws: BackendError.self) { try backend.send(host.envelope.admit(Fixtures.frame(0.6))) }
    }

    @Test func aFifteenMinuteSessionRunsWithFlatMemory() throws {
        let host = Host()
        let backend = SimulatorBackend(profile: .chair, configuration: .init(traceInterval: 0.01),
                                       trace: MemoryTraceSink(), clock: host.clock)
        _ = try backend.open()
        host.play(backend, until: 900)
        backend.close()
        let report = backend.report
        #expect(report.device.framesApplied == 90_001)
        #expect(report.errors.timing.max == 0)
        #expect(report.state.isAtZero)
    }
}
