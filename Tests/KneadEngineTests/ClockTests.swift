import Testing
@testable import KneadEngine

@Suite("Clocks")
struct ClockTests {
    @Test("the virtual clock stands still until a sleep moves it to the deadline")
    func virtualClockMovesOnSleep() {
        let clock = VirtualClock(startingAt: 100)
        #expect(clock.now() == 100)
        #expect(clock.now() == 100)
        clock.sleep(until: 250, precise: true)
        #expect(clock.now() == 250)
        clock.sleep(until: 200, precise: false)  // a deadline in the past: no change
        #expect(clock.now() == 250)
        clock.advance(by: 50)
        #expect(clock.now() == 300)
    }

    @Test("a stall lands the first sleep that reaches it late, once")
    func virtualClockStall() {
        let clock = VirtualClock(startingAt: 0)
        clock.addStall(at: 1_000, duration: 300)
        clock.sleep(until: 900, precise: true)
        #expect(clock.now() == 900)
        clock.sleep(until: 1_000, precise: true)
        #expect(clock.now() == 1_300)
        clock.sleep(until: 2_000, precise: true)
        #expect(clock.now() == 2_000)
    }

    @Test("a hold stops time and the sleeper until released")
    func virtualClockHold() {
        let clock = VirtualClock(startingAt: 0)
        clock.hold(at: 500)
        let sleeper = onAnotherThread { clock.sleep(until: 1_000, precise: true) }
        #expect(clock.waitUntilHeld())
        #expect(clock.now() == 500)
        clock.release()
        sleeper()
        #expect(clock.now() == 500)
    }

    @Test("seconds convert to nanoseconds safely")
    func conversions() {
        #expect(Nanoseconds.from(seconds: 0.01) == 10_000_000)
        #expect(Nanoseconds.from(seconds: -1) == 0)
        #expect(Nanoseconds.from(seconds: .nan) == 0)
        #expect(Nanoseconds.from(seconds: .infinity) == UInt64.max / 2)
    }

    @Test("the monotonic clock goes forward and sleeps at least to its deadline")
    func monotonicClock() {
        for clock in [MonotonicClock(), MonotonicClock(precise: true)] {
            let start = clock.now()
            let deadline = start + 2_000_000
            clock.sleep(until: deadline, precise: true)
            #expect(clock.now() >= deadline)
        }
    }
}
