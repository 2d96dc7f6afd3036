import KneadCore
import Testing
@testable import KneadEngine

@Suite("Lead mode on a virtual clock")
struct LeadModeTests {
    @Test("frames go out exactly `lead` before their time, and the run waits for the device to play the last")
    func sendsAheadByTheLead() {
        let clock = VirtualClock(startingAt: testEpoch)
        let backend = RecordingBackend(clock: clock, mode: .lead(0.15))
        let engine = Engine(backend: backend, clock: clock, configuration: EngineConfiguration(rate: 100))

        let result = engine.run(SyntheticFrames(rate: 100, seconds: 2))

        let sessionStart = testEpoch + nanoseconds(0.15)
        #expect(backend.sessionStart == sessionStart)
        #expect(result.statistics.sessionStart == sessionStart)
        var expected: [BackendEvent] = []
        for index in 0...200 {
            let time = Double(index) / 100
            let sendTime = sessionStart + nanoseconds(time) - nanoseconds(0.15)
            expected.append(.send(at: sendTime, frameTime: time))
            expected.append(.flush(at: sendTime))
        }
        // The device plays the last frame 150 ms after it was sent; the host stays
        // alive until then with a heartbeat at a third of the watchdog period.
        let lastSend = testEpoch + nanoseconds(2)
        expected.append(.heartbeat(at: lastSend + nanoseconds(0.25 / 3)))
        expected.append(.flush(at: lastSend + nanoseconds(0.25 / 3)))
        #expect(backend.events == expected)
        #expect(result.endReason == .finished)
        #expect(clock.now() == sessionStart + nanoseconds(2))
        #expect(result.statistics.wallTime == 2.15)
        #expect(result.statistics.lateness.max == 0)
        #expect(result.statistics.heartbeatsSent == 1)
    }

    @Test("a batch window sends the frames due within it together, with one flush")
    func batchWindow() {
        let clock = VirtualClock(startingAt: testEpoch)
        let backend = RecordingBackend(clock: clock, mode: .lead(0.15))
        let engine = Engine(backend: backend, clock: clock,
                            configuration: EngineConfiguration(rate: 100, leadBatchWindow: 0.05))

        let result = engine.run(SyntheticFrames(rate: 100, seconds: 1.19))

        // Wakeups at 0, 60, 120 … ms, each sending the frames of the next 50 ms (6).
        var expected: [BackendEvent] = []
        for batch in 0..<20 {
            let wake = testEpoch + nanoseconds(Double(batch * 6) / 100)
            for index in (batch * 6)..<(batch * 6 + 6) {
                expected.append(.send(at: wake, frameTime: Double(index) / 100))
            }
            expected.append(.flush(at: wake))
        }
        // The last batch left at 1.14 s; the device plays its last frame at
        // 1.19 + 0.15 s. Until then the host heartbeats every 83.3 ms.
        let lastWake = testEpoch + nanoseconds(1.14)
        let heartbeat = nanoseconds(0.25 / 3)
        expected += [.heartbeat(at: lastWake + heartbeat), .flush(at: lastWake + heartbeat),
                     .heartbeat(at: lastWake + 2 * heartbeat), .flush(at: lastWake + 2 * heartbeat)]
        #expect(backend.events == expected)
        #expect(result.statistics.flushes == 22)
        #expect(clock.now() == testEpoch + nanoseconds(0.15) + nanoseconds(1.19))
        #expect(result.statistics.framesSent == 120)
        #expect(result.statistics.lateFrames == 0)
        #expect(result.statistics.lateness.max == 0)
        #expect(result.endReason == .finished)
    }
}
