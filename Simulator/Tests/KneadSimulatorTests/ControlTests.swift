import Foundation
import KneadCore
import Testing
@testable import KneadSimulator

/// Watchdog, stop, lead-mode scheduling and stalls, on the model directly.
@Suite struct ControlTests {
    /// The grid chair with its 250 ms watchdog on.
    func watchedModel(_ configure: (inout DeviceModel.Configuration) -> Void = { _ in }) -> DeviceModel {
        Fixtures.gridModel { configuration in
            configuration.watchdogPeriod = nil
            configure(&configuration)
        }
    }

    /// Frames every 10 ms from 0 to `until` inclusive.
    func stream(_ model: DeviceModel, intensity: Double, until: Double, pressure: Double = 0) {
        for index in 0...Int((until * 100).rounded()) {
            let time = Double(index) / 100
            model.advance(to: time)
            model.receive(.setpoint(Fixtures.setpoint(intensity, y: 0.1, pressure: pressure), due: time,
                                    timing: .onArrival), at: time)
        }
    }

    // MARK: Watchdog

    @Test func watchdogFiresExactlyOnePeriodAfterTheLastFrame() {
        let model = watchedModel()
        stream(model, intensity: 0.8, until: 1.0)
        model.advance(to: 1.249)
        #expect(model.counters.watchdogFirings == 0)
        #expect(model.state.setIntensity == 204.0 / 255.0)
        model.advance(to: 1.25)
        #expect(model.counters.watchdogFirings == 1)
    }

    @Test func watchdogRampsEverySetpointToZeroByItself() {
        let model = watchedModel()
        stream(model, intensity: 0.8, until: 1.0, pressure: 0.5)
        model.advance(to: 1.25)
        // The ramp runs 0.5 s from the values in force: halfway at 1.5 s.
        #expect(model.state.setIntensity == 204.0 / 255.0)
        model.advance(to: 1.5)
        #expect(model.state.setIntensity == 102.0 / 255.0)  // 0.8 × 0.5 = 0.4 = 102/255
        #expect(model.state.setPressure == 16.0 / 63.0)     // 32/63 × 0.5 = 16/63
        model.advance(to: 1.75)
        #expect(model.state.setIntensity == 0)
        #expect(model.state.setPressure == 0)
        model.advance(to: 3)
        #expect(model.state.isAtZero)
        #expect(model.counters.watchdogFirings == 1)
    }

    @Test func heartbeatsKeepTheWatchdogQuiet() {
        let model = watchedModel()
        stream(model, intensity: 0.5, until: 0.1)
        for index in 1...20 {
            let time = 0.1 + Double(index) * 0.2
            model.advance(to: time)
            model.receive(.heartbeat, at: time)
        }
        model.advance(to: 4.1 + 0.249)
        #expect(model.counters.watchdogFirings == 0)
        #expect(model.counters.heartbeats == 20)
        model.advance(to: 4.1 + 0.25)
        #expect(model.counters.watchdogFirings == 1)
    }

    @Test func aFrameAfterTheWatchdogResumes() {
        let model = watchedModel()
        stream(model, intensity: 0.8, until: 0.5)
        model.advance(to: 1.0)
        #expect(model.counters.watchdogFirings == 1)
        model.receive(.setpoint(Fixtures.setpoint(0.6, y: 0.1), due: 1, timing: .onArrival), at: 1.0)
        model.advance(to: 1.2)
        #expect(model.state.setIntensity == 153.0 / 255.0)
    }

    // MARK: Stop

    @Test func stopZeroesEverySetpointAtOnce() {
        let model = watchedModel()
        for index in 0...50 {  // toward y = 400 mm, the frame repeated every 10 ms
            let time = Double(index) / 100
            model.advance(to: time)
            model.receive(.setpoint(Fixtures.setpoint(1, y: 0.4, pressure: 1, heat: 1), due: time,
                                    timing: .onArrival), at: time)
        }
        let before = model.state
        model.receive(.stop, at: 0.5)
        let after = model.state
        #expect(after.setIntensity == 0)
        #expect(after.setPressure == 0)
        #expect(after.setHeat == 0)
        #expect(model.counters.stops == 1)
        #expect(model.counters.lastStopTime == 0.5)
        // The hardware still has its lag: one time constant later, e^(−1) of where it was.
        #expect(after.intensity == before.intensity)
        model.advance(to: 0.58)
        #expect(abs(model.state.intensity - before.intensity * exp(-1)) < 1e-12)
        // The roller brakes to a halt instead of heading for "zero" at the end of the track:
        // at full speed (100 mm/s) it needs 100²/(2·500) = 10 mm.
        #expect(before.velocityY == 100)
        #expect(after.setY == before.y + 10)
        model.advance(to: 0.75)
        #expect(model.state.y == before.y + 10)
        #expect(model.state.velocityY == 0)
        // Stopped on purpose: the watchdog stays quiet.
        model.advance(to: 2)
        #expect(model.counters.watchdogFirings == 0)
    }

    @Test func stopEmptiesTheLeadBuffer() {
        let model = watchedModel()
        for index in 0..<10 {
            let due = 0.2 + Double(index) * 0.01
            model.receive(.setpoint(Fixtures.setpoint(0.5, y: 0.1), due: due, timing: .scheduled), at: 0)
        }
        #expect(model.freeLeadSlots == 246)
        model.advance(to: 0.1)
        model.receive(.stop, at: 0.1)
        model.advance(to: 0.5)
        #expect(model.state.setIntensity == 0)
        #expect(model.counters.framesApplied == 0)
        #expect(model.freeLeadSlots == 256)
    }

    // MARK: Lead mode

    @Test func scheduledFramesApplyAtTheirStamps() {
        let model = Fixtures.gridModel()  // watchdog off: scheduling alone
        let stamps = [0.150, 0.1605, 0.170]
        for (index, due) in stamps.enumerated() {
            let level = Double(index + 1) * 51 / 255  // 0.2, 0.4, 0.6 exactly on the steps
            model.receive(.setpoint(Fixtures.setpoint(level, y: 0.1), due: due, timing: .scheduled), at: 0)
        }
        model.advance(to: 0.149)
        #expect(model.state.setIntensity == 0)
        model.advance(to: 0.150)
        #expect(model.state.setIntensity == 51.0 / 255.0)
        model.advance(to: 0.160)
        #expect(model.state.setIntensity == 51.0 / 255.0)
        model.advance(to: 0.161)  // 0.1605 falls between ticks: the next tick
        #expect(model.state.setIntensity == 102.0 / 255.0)
        model.advance(to: 0.170)
        #expect(model.state.setIntensity == 153.0 / 255.0)
        let summary = model.errorSummary
        #expect(summary.timing == .init(count: 3, p50: 0, p99: 0.0005, max: 0.0005))
        #expect(summary.lateFrames == 0)
    }

    @Test func scheduledFramesPlayInTheOrderReceivedAndLateOnesApplyAtOnce() {
        // The lead buffer is the firmware's (docs/protocol.md 3.3: applied in the order
        // received): a setpoint stamped before the head waits behind it, then plays
        // right after it, so the last one received wins.
        let model = Fixtures.gridModel()  // watchdog off: scheduling alone
        model.receive(.setpoint(Fixtures.setpoint(0.6, y: 0.1), due: 0.2, timing: .scheduled), at: 0)
        model.receive(.setpoint(Fixtures.setpoint(0.2, y: 0.1), due: 0.1, timing: .scheduled), at: 0)
        model.advance(to: 0.1)
        #expect(model.state.setIntensity == 0)
        model.advance(to: 0.2)
        #expect(model.state.setIntensity == 51.0 / 255.0)
        #expect(model.counters.framesApplied == 2)
        #expect(model.counters.framesLate == 1)  // the one due at 0.1 s, 100 ms late
        // Due 50 ms ago when it arrives, into an empty buffer: applied on arrival, counted late.
        model.advance(to: 0.3)
        model.receive(.setpoint(Fixtures.setpoint(0.4, y: 0.1), due: 0.25, timing: .scheduled), at: 0.3)
        #expect(model.state.setIntensity == 102.0 / 255.0)
        #expect(model.counters.framesLate == 2)
        #expect(model.errorSummary.timing.max == 0.1)
    }

    @Test func aFullLeadBufferRefusesFrames() {
        let model = Fixtures.gridModel { $0.leadBufferCapacity = 2 }
        for index in 0..<3 {
            model.receive(.setpoint(Fixtures.setpoint(0.2, y: 0.1), due: 0.1 + Double(index) * 0.01,
                                    timing: .scheduled), at: 0)
        }
        #expect(model.counters.leadOverflows == 1)
        #expect(model.counters.framesReceived == 3)
        model.advance(to: 1)
        #expect(model.counters.framesApplied == 2)
    }

    // MARK: Stall

    @Test func aStalledDeviceActsOnWhatArrivedWhenItResumes() {
        let sink = MemoryTraceSink()
        let model = watchedModel { $0.stalls = [.init(at: 1.0, duration: 0.2)] }
        model.attachTrace(TraceWriter(sink: sink), interval: 1)
        stream(model, intensity: 0.4, until: 0.99)
        model.advance(to: 1.05)
        model.receive(.setpoint(Fixtures.setpoint(0.8, y: 0.1), due: 1.05, timing: .onArrival), at: 1.05)
        model.advance(to: 1.199)
        #expect(model.state.setIntensity == 102.0 / 255.0)
        model.advance(to: 1.2)
        #expect(model.state.setIntensity == 204.0 / 255.0)
        // Last contact 0.99 s + 0.25 s would have been 1.24 s; the frame acted on at 1.2 s
        // is contact, so the watchdog stays quiet.
        model.advance(to: 1.3)
        #expect(model.counters.watchdogFirings == 0)
        #expect(abs(model.errorSummary.timing.max - 0.15) < 1e-9)
        model.finishTrace()
        let events = sink.lines.filter { !$0.hasSuffix(",") }.map { line -> String in
            let columns = line.split(separator: ",")
            return "\(columns[0]) \(columns[11])"
        }
        #expect(events == ["time event", "1.000 stall", "1.200 resume"])
    }
}
