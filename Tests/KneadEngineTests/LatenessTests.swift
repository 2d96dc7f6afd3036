import KneadCore
import Testing
@testable import KneadEngine

@Suite("Lateness statistics")
struct LatenessTests {
    @Test("a host stall makes the frames behind it late, each by exactly what it waited")
    func stallMakesFramesLate() {
        let clock = VirtualClock(startingAt: testEpoch)
        // The wakeup for the frame at 2.00 s comes 35 ms late.
        clock.addStall(at: testEpoch + nanoseconds(2), duration: nanoseconds(0.035))
        let backend = RecordingBackend(clock: clock)
        let engine = Engine(backend: backend, clock: clock, configuration: EngineConfiguration(rate: 100))

        let result = engine.run(SyntheticFrames(rate: 100, seconds: 10))

        // Frames 2.00, 2.01, 2.02, 2.03 go out together at 2.035 s: 35, 25, 15, 5 ms late.
        let woke = testEpoch + nanoseconds(2.035)
        let sends = backend.events.filter(\.isSend)
        #expect(Array(sends[200...204]) == [
            .send(at: woke, frameTime: 2.00), .send(at: woke, frameTime: 2.01),
            .send(at: woke, frameTime: 2.02), .send(at: woke, frameTime: 2.03),
            .send(at: testEpoch + nanoseconds(2.04), frameTime: 2.04),
        ])
        let statistics = result.statistics
        #expect(statistics.framesSent == 1001)
        #expect(statistics.lateFrames == 3)  // more than one 10 ms period: 35, 25, 15
        #expect(statistics.lateness.max == 35_000_000)
        #expect(statistics.lateness.p50 == 0)
        #expect(statistics.flushes == 1001 - 3)
        #expect(statistics.lateness.count == 1001)
    }

    @Test("percentiles of values the histogram holds exactly")
    func percentiles() {
        var recorder = LatenessRecorder()
        for value in UInt64(1)...1000 { recorder.record(value) }
        #expect(recorder.summary == LatenessSummary(count: 1000, p50: 500, p99: 990, p999: 999, max: 1000))
    }

    @Test("values beyond the histogram's range keep an exact maximum")
    func outOfRange() {
        var recorder = LatenessRecorder()
        recorder.record(50_000_000_000)
        recorder.record(10)
        #expect(recorder.summary.max == 50_000_000_000)
        #expect(recorder.summary.count == 2)
        #expect(recorder.summary.p50 == 10)
    }
}
