import Testing
@testable import KneadWire

/// The two device-side parts the firmware and the in-process simulator share, alone, in
/// ticks chosen by the test.
@Suite struct KWPWatchdogAndLeadBufferTests {
    /// (fired, ramp left) at each tick, in order: what the owner sees calling `check`
    /// then `rampLeft` once a tick.
    static func run(_ watchdog: inout KWPWatchdog, at ticks: [UInt64]) -> [(Bool, UInt64?)] {
        ticks.map { now in
            let fired = watchdog.check(now: now)
            return (fired, watchdog.rampLeft(at: now))
        }
    }

    @Test func theWatchdogFiresOnePeriodAfterTheHostWasLastHeardAndRampsOverItsTicks() {
        var watchdog = KWPWatchdog(periodTicks: 250, rampTicks: 100)
        #expect(Self.run(&watchdog, at: [10_000]).map(\.0) == [false], "disarmed: silence does not matter")
        watchdog.heard(at: 1_000)
        watchdog.arm()
        #expect(watchdog.deadline == 1_250)
        let seen = Self.run(&watchdog, at: [1_249, 1_250, 1_251, 1_300, 1_350, 1_351])
        #expect(seen.map(\.0) == [false, true, false, false, false, false], "fires once, at the deadline")
        #expect(seen.map(\.1) == [nil, 100, 99, 50, 0, nil], "then ramps to zero and ends")
        #expect(!watchdog.isArmed && watchdog.deadline == nil)
    }

    @Test func aCancelledRampStopsWhereItIs() {
        var watchdog = KWPWatchdog(periodTicks: 10, rampTicks: 100)
        watchdog.arm()
        #expect(Self.run(&watchdog, at: [10]).map(\.1) == [100])
        watchdog.cancelRamp()
        #expect(Self.run(&watchdog, at: [20]).map(\.1) == [nil])
    }

    final class Token: KWPScheduled {
        nonisolated(unsafe) static var alive = 0
        let time: UInt64
        init(_ time: UInt64) { self.time = time; Token.alive += 1 }
        deinit { Token.alive -= 1 }
        func isDue(at now: UInt64) -> Bool { time <= now }
    }

    @Test func theLeadBufferKeepsArrivalOrderRefusesWhenFullAndReleasesWhatItHeld() {
        do {
            let buffer = KWPLeadBuffer<Token>(capacity: 3)
            #expect(buffer.push(Token(20)) && buffer.push(Token(10)) && buffer.push(Token(30)))
            #expect(!buffer.push(Token(40)) && buffer.free == 0)
            #expect(buffer.popDue(at: 19) == nil, "the head is not due, and the one behind it waits")
            #expect(buffer.popDue(at: 20)?.time == 20)
            #expect(buffer.popDue(at: 20)?.time == 10, "stamped earlier: right after the head")
            #expect(buffer.popDue(at: 20) == nil)
            #expect(buffer.push(Token(50)) && buffer.count == 2)  // wraps around the ring
            buffer.removeAll()
            #expect(buffer.isEmpty && Token.alive == 0)
            #expect(buffer.push(Token(60)))
        }
        #expect(Token.alive == 0, "deinit releases what is still queued")
    }

    @Test func setpointsAreDueAcrossTheThirtyTwoBitWrap() {
        let setpoint = KWPSetpoint(time: 5, values: .zero)
        #expect(setpoint.isDue(at: (1 << 32) + 5))
        #expect(!setpoint.isDue(at: (1 << 32) - 3))
    }
}
