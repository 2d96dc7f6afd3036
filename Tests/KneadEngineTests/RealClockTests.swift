import Glibc
import KneadCore
import Synchronization
import Testing
@testable import KneadEngine

/// The real clock and the dedicated thread. Short runs; no timing figure is asserted
/// (those belong to the benchmark), only behaviour that holds on any machine.
@Suite("Real clock")
struct RealClockTests {
    @Test("plays on its own thread with timer slack set, and never sends a frame early",
          arguments: [false, true])
    func playsOnADedicatedThread(precise: Bool) {
        let clock = MonotonicClock(precise: precise)
        let backend = RecordingBackend(clock: clock)
        let engine = Engine(backend: backend, clock: clock, configuration: EngineConfiguration(rate: 100))

        let result = engine.run(SyntheticFrames(rate: 100, seconds: 0.2))

        #expect(result.endReason == .finished)
        #expect(result.statistics.framesSent == 21)
        #expect(result.statistics.realtime.dedicatedThread)
        #expect(result.statistics.realtime.timerSlackNanoseconds == 1)
        let sessionStart = result.statistics.sessionStart
        let sends = backend.events.compactMap { event -> (UInt64, Double)? in
            if case let .send(at, time) = event { return (at, time) } else { return nil }
        }
        #expect(sends.count == 21)
        for (at, time) in sends {
            #expect(at >= sessionStart + Nanoseconds.from(seconds: time), "frame \(time) sent early")
        }
        #expect(result.statistics.lateness.count == 21)
        #expect(result.statistics.wallTime >= 0.2)
    }

    @Test("a stop from another thread ends a real-time run with one stop call, the last thing sent")
    func stopFromAnotherThread() {
        let clock = MonotonicClock()
        let backend = RecordingBackend(clock: clock)
        let engine = Engine(backend: backend, clock: clock, configuration: EngineConfiguration(rate: 500))
        let stopper = onAnotherThread {
            clock.sleep(until: clock.now() + 50_000_000, precise: false)
            engine.requestStop(.signal)
        }

        let result = engine.run(SyntheticFrames(rate: 500, seconds: 60))
        stopper()
        backend.close()

        #expect(result.endReason == .stopped(.signal))
        let events = backend.events
        #expect(events.filter(\.isStop).count == 1)
        #expect(events.dropLast().last?.isStop == true)
        #expect(events.last == .close)
        #expect(result.statistics.stopLatency != nil)
        #expect(result.statistics.framesSent > 0)
        #expect(result.statistics.framesSent < 30_001)
    }

    @Test("the async run plays on the real-time thread without holding a pool thread")
    func asyncRun() async {
        let clock = MonotonicClock()
        let backend = RecordingBackend(clock: clock)
        let engine = Engine(backend: backend, clock: clock, configuration: EngineConfiguration(rate: 100))
        let result = await engine.run(SyntheticFrames(rate: 100, seconds: 0.1))
        #expect(result.endReason == .finished)
        #expect(result.statistics.framesSent == 11)
        #expect(result.statistics.realtime.dedicatedThread)
    }

    @Test("the benchmark plays, ends by a stop it measures, and reports memory")
    func benchmark() {
        let backend = RecordingBackend(clock: MonotonicClock())
        let report = EngineBenchmark.run(seconds: 0.2, rate: 200, backend: backend)
        #expect(report.run.endReason == .stopped(.user))
        #expect(report.statistics.framesSent > 0)
        #expect(report.statistics.stopLatency != nil)
        #expect(backend.events.filter(\.isStop).count == 1)
        #expect((report.peakResidentBytes ?? 0) > 0)
        #expect(report.rate == 200)
    }
}
