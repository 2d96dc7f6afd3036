import KneadSystem
import Glibc
import KneadCore
import Testing
@testable import KneadEngine

@Suite("Stopping and device errors")
struct StopAndErrorTests {
    @Test("a stop from another thread while the loop sleeps: that thread calls stop once, at once; the run ends within a period")
    func stopFromAnotherThreadWhileAsleep() throws {
        let clock = VirtualClock(startingAt: testEpoch)
        let backend = RecordingBackend(clock: clock)
        let engine = Engine(backend: backend, clock: clock, configuration: EngineConfiguration(rate: 100))
        // The loop will be asleep at 5.005 s, half way between two frames.
        clock.hold(at: testEpoch + nanoseconds(5.005))
        let firstRequest = Locked<Bool?>(nil)
        let secondRequest = Locked<Bool?>(nil)
        let stopper = onAnotherThread {
            guard clock.waitUntilHeld() else { return }
            firstRequest.withLock { $0 = engine.requestStop(.key) }
            secondRequest.withLock { $0 = engine.requestStop(.signal) }
        }

        let result = engine.run(SyntheticFrames(rate: 100, seconds: 60))
        stopper()
        backend.close()

        #expect(firstRequest.withLock { $0 } == true)
        #expect(secondRequest.withLock { $0 } == false)
        #expect(result.endReason == .stopped(.key))
        let events = backend.events
        #expect(events.filter(\.isSend).count == 501)
        #expect(events.filter(\.isStop) == [.stop(at: testEpoch + nanoseconds(5.005))])
        // Nothing reaches the device after the stop, and the stop comes before close.
        #expect(Array(events.suffix(2)) == [.stop(at: testEpoch + nanoseconds(5.005)), .close])
        #expect(backend.threadsThatStopped.count == 1)
        #expect(pthread_equal(backend.threadsThatStopped[0], pthread_self()) == 0)
        // Ended at the moment of the request: within one period.
        #expect(result.statistics.wallTime == 5.005)
        #expect(result.statistics.stopLatency == 0)
        #expect(result.statistics.framesSent == 501)
    }

    @Test("a stop requested during a send is made by the loop as soon as the send returns")
    func stopDuringSend() {
        let clock = VirtualClock(startingAt: testEpoch)
        let backend = RecordingBackend(clock: clock)
        let engine = Engine(backend: backend, clock: clock, configuration: EngineConfiguration(rate: 100))
        let requestResult = Locked<Bool?>(nil)
        let stopCallsDuringSend = Locked<Int?>(nil)
        backend.duringSend = (index: 300, action: {
            let wait = onAnotherThread { requestResult.withLock { $0 = engine.requestStop(.signal) } }
            wait()
            // The requester must not call stop while this send is in progress.
            stopCallsDuringSend.withLock { $0 = backend.events.filter(\.isStop).count }
        })

        let result = engine.run(SyntheticFrames(rate: 100, seconds: 60))
        backend.close()

        #expect(requestResult.withLock { $0 } == true)
        #expect(stopCallsDuringSend.withLock { $0 } == 0)
        #expect(result.endReason == .stopped(.signal))
        let events = backend.events
        #expect(Array(events.suffix(3)) == [.send(at: testEpoch + nanoseconds(3), frameTime: 3),
                                            .stop(at: testEpoch + nanoseconds(3)), .close])
        #expect(backend.threadsThatStopped.count == 1)
        #expect(pthread_equal(backend.threadsThatStopped[0], pthread_self()) != 0)
        #expect(result.statistics.framesSent == 301)
        #expect(result.statistics.stopLatency == 0)
    }

    @Test("a backend whose stop may overlap its calls is stopped at once, during the send, by the requester")
    func stopDuringSendOfAnOverlappingBackend() {
        let clock = VirtualClock(startingAt: testEpoch)
        let backend = RecordingBackend(clock: clock, stopsDuringDeviceCalls: true)
        let engine = Engine(backend: backend, clock: clock, configuration: EngineConfiguration(rate: 100))
        let stopCallsDuringSend = Locked<Int?>(nil)
        backend.duringSend = (index: 300, action: {
            let wait = onAnotherThread { _ = engine.requestStop(.signal) }
            wait()
            // The requester did not wait for this send: the device was told already.
            stopCallsDuringSend.withLock { $0 = backend.events.filter(\.isStop).count }
        })

        let result = engine.run(SyntheticFrames(rate: 100, seconds: 60))
        backend.close()

        #expect(stopCallsDuringSend.withLock { $0 } == 1)
        #expect(result.endReason == .stopped(.signal))
        #expect(backend.events.filter(\.isStop).count == 1)
        #expect(backend.threadsThatStopped.count == 1)
        #expect(pthread_equal(backend.threadsThatStopped[0], pthread_self()) == 0, "the requester's thread stopped it")
        #expect(result.statistics.framesSent == 301)
        #expect(backend.runsStarted == 1)
    }

    @Test("a stop requested before the run stops it at its start, with one stop call")
    func stopBeforeRun() {
        let clock = VirtualClock(startingAt: testEpoch)
        let backend = RecordingBackend(clock: clock)
        let engine = Engine(backend: backend, clock: clock)
        #expect(engine.requestStop(.signal))

        let result = engine.run(SyntheticFrames(rate: 100, seconds: 10))

        #expect(result.endReason == .stopped(.signal))
        #expect(backend.events == [.stop(at: testEpoch)])
        #expect(result.statistics.framesSent == 0)
    }

    @Test("a send error: stop is called once, and the run ends with the typed error")
    func sendError() {
        let clock = VirtualClock(startingAt: testEpoch)
        let backend = RecordingBackend(clock: clock)
        backend.failSend = (index: 100, error: .disconnected("/dev/ttyUSB0 went away"))
        let engine = Engine(backend: backend, clock: clock)

        let result = engine.run(SyntheticFrames(rate: 100, seconds: 10))

        #expect(result.endReason == .deviceError(.disconnected("/dev/ttyUSB0 went away")))
        #expect(result.statistics.framesSent == 100)
        let events = backend.events
        #expect(events.filter(\.isStop) == [.stop(at: testEpoch + nanoseconds(1))])
        #expect(events.last == .stop(at: testEpoch + nanoseconds(1)))
        #expect(result.stopError == nil)
        #expect(result.statistics.stopLatency == 0)
    }

    @Test("a flush error ends the run the same way")
    func flushError() {
        let clock = VirtualClock(startingAt: testEpoch)
        let backend = RecordingBackend(clock: clock)
        backend.failFlush = .timedOut("no ACK within 50 ms")
        let result = Engine(backend: backend, clock: clock).run(SyntheticFrames(rate: 100, seconds: 10))
        #expect(result.endReason == .deviceError(.timedOut("no ACK within 50 ms")))
        #expect(backend.events == [.send(at: testEpoch, frameTime: 0), .stop(at: testEpoch)])
    }

    @Test("a heartbeat error while the device plays out its lead ends the run with the error")
    func heartbeatError() {
        let clock = VirtualClock(startingAt: testEpoch)
        let backend = RecordingBackend(clock: clock, mode: .lead(0.15))
        backend.failHeartbeat = .protocolError("bad CRC in ACK")
        let result = Engine(backend: backend, clock: clock).run(FramesAt([0]))
        #expect(result.endReason == .deviceError(.protocolError("bad CRC in ACK")))
        let heartbeatDue = testEpoch + nanoseconds(0.25 / 3)
        #expect(backend.events == [.send(at: testEpoch, frameTime: 0), .flush(at: testEpoch),
                                   .stop(at: heartbeatDue)])
    }

    @Test("a failing stop is reported, whoever called it")
    func stopError() {
        let clock = VirtualClock(startingAt: testEpoch)
        let backend = RecordingBackend(clock: clock)
        backend.failStop = .disconnected("gone")
        let engine = Engine(backend: backend, clock: clock)
        clock.hold(at: testEpoch + nanoseconds(0.5))
        let stopper = onAnotherThread {
            guard clock.waitUntilHeld() else { return }
            engine.requestStop(.key)
        }
        let result = engine.run(SyntheticFrames(rate: 100, seconds: 10))
        stopper()
        #expect(result.endReason == .stopped(.key))
        #expect(result.stopError == .disconnected("gone"))
        #expect(backend.events.filter(\.isStop).count == 1)
    }

    @Test("the engine can play again after a stopped run")
    func runAgainAfterStop() {
        let clock = VirtualClock(startingAt: testEpoch)
        let backend = RecordingBackend(clock: clock)
        let engine = Engine(backend: backend, clock: clock)
        engine.requestStop(.user)
        #expect(engine.run(SyntheticFrames(rate: 100, seconds: 1)).endReason == .stopped(.user))
        let second = engine.run(SyntheticFrames(rate: 100, seconds: 1))
        #expect(second.endReason == .finished)
        #expect(second.statistics.framesSent == 101)
        #expect(backend.events.filter(\.isStop).count == 1)
    }
}
