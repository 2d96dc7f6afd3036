import KneadCore
import Testing
@testable import KneadEngine

@Suite("Immediate mode on a virtual clock")
struct ImmediateModeTests {
    @Test("every frame is sent at exactly start + frame.time, one flush per wakeup")
    func exactSendTimes() throws {
        let clock = VirtualClock(startingAt: testEpoch)
        let backend = RecordingBackend(clock: clock)
        let engine = Engine(backend: backend, clock: clock, configuration: EngineConfiguration(rate: 100))

        let result = engine.run(SyntheticFrames(rate: 100, seconds: 10))

        #expect(result.endReason == .finished)
        var expected: [BackendEvent] = []
        for index in 0...1000 {
            let time = Double(index) / 100
            expected.append(.send(at: testEpoch + nanoseconds(time), frameTime: time))
            expected.append(.flush(at: testEpoch + nanoseconds(time)))
        }
        #expect(backend.events == expected)
        #expect(backend.sessionStart == testEpoch)
        let statistics = result.statistics
        #expect(statistics.framesSent == 1001)
        #expect(statistics.flushes == 1001)
        #expect(statistics.heartbeatsSent == 0)
        #expect(statistics.lateFrames == 0)
        #expect(statistics.lateness == LatenessSummary(count: 1001, p50: 0, p99: 0, p999: 0, max: 0))
        #expect(statistics.wallTime == 10)
        #expect(statistics.lastFrameTime == 10)
        #expect(statistics.stopLatency == nil)
        #expect(statistics.realtime == RealtimeSetup(dedicatedThread: false))
        #expect(result.stopError == nil)
    }

    @Test("the end of the pattern does not call stop (the envelope ramped to zero); close is the caller's")
    func finishedRunLeavesStopAndCloseToTheCaller() {
        let clock = VirtualClock(startingAt: testEpoch)
        let backend = RecordingBackend(clock: clock)
        let engine = Engine(backend: backend, clock: clock)
        let result = engine.run(SyntheticFrames(rate: 100, seconds: 1))
        #expect(result.endReason == .finished)
        #expect(!backend.events.contains { $0.isStop || $0 == .close })
        #expect(engine.progress == EngineProgress(isRunning: false, framesSent: 101, lastFrameTime: 1,
                                                  sessionTime: 1))
    }

    @Test("a 15-minute pattern at 100 Hz plays on virtual time without waiting for real time")
    func fifteenMinutePattern() {
        let clock = VirtualClock(startingAt: testEpoch)
        let backend = RecordingBackend(clock: clock)
        let engine = Engine(backend: backend, clock: clock)
        let realClock = MonotonicClock()
        let realStart = realClock.now()

        let result = engine.run(SyntheticFrames(rate: 100, seconds: 15 * 60))

        let realSeconds = Double(realClock.now() - realStart) / 1e9
        #expect(result.endReason == .finished)
        #expect(result.statistics.framesSent == 90_001)
        #expect(result.statistics.lateFrames == 0)
        #expect(result.statistics.lateness.max == 0)
        #expect(result.statistics.wallTime == 900)
        #expect(clock.now() == testEpoch + nanoseconds(900))
        let sends = backend.events.filter(\.isSend)
        #expect(sends.last == .send(at: testEpoch + nanoseconds(900), frameTime: 900))
        // Not a timing measurement: a clock that really slept would take 15 minutes.
        #expect(realSeconds < 60, "virtual 15 minutes took \(realSeconds) s of real time")
    }

    @Test("heartbeats go out when no frame is due for the heartbeat interval")
    func heartbeatWhenIdle() {
        let clock = VirtualClock(startingAt: testEpoch)
        let backend = RecordingBackend(clock: clock)
        let engine = Engine(backend: backend, clock: clock,
                            configuration: EngineConfiguration(rate: 100, heartbeatInterval: 0.25))

        let result = engine.run(FramesAt([0, 1.0]))

        let at = { (seconds: Double) in testEpoch + nanoseconds(seconds) }
        #expect(backend.events == [
            .send(at: at(0), frameTime: 0), .flush(at: at(0)),
            .heartbeat(at: at(0.25)), .flush(at: at(0.25)),
            .heartbeat(at: at(0.5)), .flush(at: at(0.5)),
            .heartbeat(at: at(0.75)), .flush(at: at(0.75)),
            // The frame due together with the next heartbeat stands in for it.
            .send(at: at(1.0), frameTime: 1.0), .flush(at: at(1.0)),
        ])
        #expect(result.statistics.heartbeatsSent == 3)
        #expect(result.statistics.flushes == 5)
    }

    @Test("a frame whose time goes back or is not a number is sent at once after the one before it")
    func timeGoingBack() {
        // The envelope never lets such times through; the engine does not rely on it.
        let clock = VirtualClock(startingAt: testEpoch)
        let backend = RecordingBackend(clock: clock)
        let engine = Engine(backend: backend, clock: clock,
                            configuration: EngineConfiguration(heartbeatInterval: 10))

        let result = engine.run(UncheckedFrames([0, 0.5, 0.2, .nan, 0.6]))

        let at = { (seconds: Double) in testEpoch + nanoseconds(seconds) }
        #expect(backend.events == [
            .send(at: at(0), frameTime: 0), .flush(at: at(0)),
            .send(at: at(0.5), frameTime: 0.5), .send(at: at(0.5), frameTime: 0.2),
            .send(at: at(0.5), frameTime: .nan), .flush(at: at(0.5)),
            .send(at: at(0.6), frameTime: 0.6), .flush(at: at(0.6)),
        ])
        #expect(result.statistics.lastFrameTime == 0.6)
        #expect(result.statistics.lateFrames == 0)
    }

    @Test("an empty source ends at once without touching the device")
    func emptySource() {
        let clock = VirtualClock(startingAt: testEpoch)
        let backend = RecordingBackend(clock: clock)
        let result = Engine(backend: backend, clock: clock).run(FramesAt([]))
        #expect(result.endReason == .finished)
        #expect(backend.events.isEmpty)
        #expect(result.statistics.framesSent == 0)
        #expect(result.statistics.lastFrameTime == nil)
    }
}
