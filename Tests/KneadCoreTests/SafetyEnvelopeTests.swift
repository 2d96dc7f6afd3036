import Foundation
import Testing
import KneadCore

/// Hand-computed behaviour of each rule. Rates of 128 Hz and slews that are powers of
/// two make every step exact in binary floating point, so those tests use `==`.
@Suite("Safety envelope")
struct SafetyEnvelopeTests {
    static func limits(intensitySlew: Double = 2, pressureSlew: Double = 1, heatSlew: Double = 0.5,
                       maxIntensity: Level = 1, maxPressure: Level = 1, maxHeat: Level = 0.8,
                       positionSpeed: Double = 0.3, sessionCap: Double = 1800, maxFirmHold: Double = 35,
                       startRamp: Double = 0) -> SafetyLimits {
        SafetyLimits(maxIntensity: maxIntensity, maxPressure: maxPressure, maxHeat: maxHeat,
                     intensitySlew: intensitySlew, pressureSlew: pressureSlew, heatSlew: heatSlew,
                     positionSpeed: positionSpeed, sessionCap: sessionCap, maxFirmHold: maxFirmHold,
                     endRamp: Swift.max(maxIntensity / intensitySlew, maxPressure / pressureSlew, maxHeat / heatSlew),
                     startRamp: startRamp)
    }

    /// A frame stream at `rate` Hz whose values are a function of time.
    struct Stream: Sequence {
        let rate: Double
        let seconds: Double
        let value: @Sendable (Double) -> Frame
        func makeIterator() -> AnyIterator<Frame> {
            var n = 0
            let count = Int(seconds * rate) + 1
            return AnyIterator {
                guard n < count else { return nil }
                defer { n += 1 }
                var f = value(Double(n) / rate)
                f.step = Int32(n)
                return f
            }
        }
    }

    // MARK: Slew and soft start

    @Test func rampAt100HzReachesHalfAtThe25thFrame() {
        let envelope = SafetyEnvelope(limits: Self.limits(intensitySlew: 2))
        let out = (0...60).map { envelope.admit(frame(Double($0) / 100, intensity: 1)).intensity }
        #expect(out[0] == 0)
        for n in 0...50 { #expect(abs(out[n] - 0.02 * Double(n)) < 1e-12, "frame \(n): \(out[n])") }
        #expect(abs(out[25] - 0.5) < 1e-12)
        #expect(out[24] < 0.49)
        #expect(out[50] == 1)
        #expect(out[60] == 1)
    }

    @Test func rampAt128HzIsExact() {
        let envelope = SafetyEnvelope(limits: Self.limits(intensitySlew: 2))
        let out = (0...70).map { envelope.admit(frame(Double($0) / 128, intensity: 1)).intensity }
        for n in 0...64 { #expect(out[n] == Double(n) / 64) }
        #expect(out[32] == 0.5)
        #expect(out[70] == 1)
    }

    @Test func softStartScalesInOverStartRamp() {
        let envelope = SafetyEnvelope(limits: Self.limits(intensitySlew: 10, pressureSlew: 10, startRamp: 2))
        let out = (0...400).map { envelope.admit(frame(Double($0) / 128, intensity: 0.8, pressure: 0.4)) }
        for n in 0...256 {
            #expect(out[n].intensity == 0.8 * ((Double(n) / 128) / 2))
            #expect(out[n].pressure == 0.4 * ((Double(n) / 128) / 2))
        }
        #expect(out[300].intensity == 0.8)
    }

    @Test func positionNeverMovesFasterThanTheSpeedLimit() {
        let envelope = SafetyEnvelope(limits: Self.limits(positionSpeed: 0.25))
        _ = envelope.admit(frame(0, x: 0.1, y: 0.1))
        // Asked to jump to the far corner: it travels there at 0.25 units/s, straight.
        var last = BackPoint(x: 0.1, y: 0.1)
        for n in 1...512 {
            let p = envelope.admit(frame(Double(n) / 128, x: 0.9, y: 0.7)).position
            let expected = Swift.min(0.25 * Double(n) / 128, 1.0)
            #expect(abs(p.distance(to: BackPoint(x: 0.1, y: 0.1)) - expected) < 1e-12)
            #expect(abs((p.y - 0.1) / (p.x - 0.1) - 0.75) < 1e-9)
            last = p
        }
        #expect(last == BackPoint(x: 0.9, y: 0.7))
    }

    // MARK: Caps

    @Test func capsAndGarbage() {
        let envelope = SafetyEnvelope(limits: Self.limits(intensitySlew: 1000, pressureSlew: 1000, heatSlew: 1000,
                                                          maxIntensity: 0.7, maxPressure: 0.9, maxHeat: 1))
        _ = envelope.admit(frame(0))
        let capped = envelope.admit(frame(1, intensity: 5, pressure: 2, heat: 1.5))
        // Slews above the absolute ceilings are held to them: 10/s and 1/s for heat.
        #expect(capped.intensity == 0.7)
        #expect(capped.pressure == 0.9)
        #expect(capped.heat == SafetyLimits.absoluteMaxHeat)

        let garbage = envelope.admit(Frame(time: 2, intensity: .nan, x: .nan, y: .infinity, pressure: -.infinity,
                                           heat: .nan, technique: .petrissage,
                                           target: .point(BackPoint(x: .nan, y: 0)), step: 3))
        #expect(garbage.intensity == 0 && garbage.pressure == 0 && garbage.heat == 0)
        #expect(garbage.position == capped.position)
        #expect(garbage.frame.target == .point(capped.position))

        // Time that is NaN, absurd or going backwards: no time passes, nothing changes.
        for bad in [Double.nan, 1.5, -Double.infinity, 1e300] {
            let held = envelope.admit(frame(bad, intensity: 1, pressure: 1))
            #expect(held.time == 2)
            #expect(held.intensity == 0 && held.pressure == 0)
        }
    }

    @Test func firstFrameStartsFromZeroWherever() {
        let envelope = SafetyEnvelope(limits: Self.limits())
        let first = envelope.admit(frame(5, intensity: 1, x: 1.4, y: -2, pressure: 1, heat: 1))
        #expect(first.intensity == 0 && first.pressure == 0 && first.heat == 0)
        #expect(first.position == BackPoint(x: 1, y: 0))
        #expect(first.time == 5)
        let nowhere = SafetyEnvelope(limits: Self.limits()).admit(frame(.nan, x: .nan, y: .nan))
        #expect(nowhere.time == 0)
        #expect(nowhere.position == .restPosition)
    }

    @Test func heatRisesSlowlyToItsCap() {
        let envelope = SafetyEnvelope(limits: .resolve(device: .chair))
        let out = (0...640).map { envelope.admit(frame(Double($0) / 128, heat: 1)).heat }
        // 0.2/s on the chair, capped at 0.8: 4 s to the cap.
        #expect(abs(out[128] - 0.2) < 1e-12)
        #expect(out[512] == 0.8)
        #expect(out[640] == 0.8)
    }

    // MARK: Live controls

    @Test func personCapChangesSlewInsteadOfJumping() {
        let envelope = SafetyEnvelope(limits: Self.limits(intensitySlew: 2))
        var n = 0
        func next() -> SafeFrame {
            defer { n += 1 }
            return envelope.admit(frame(Double(n) / 100, intensity: 0.8, pressure: 0.4))
        }
        for _ in 0...100 { _ = next() }
        envelope.setPersonCap(0.3)
        let down = (1...30).map { _ in next() }
        for k in 1...24 { #expect(abs(down[k - 1].intensity - (0.8 - 0.02 * Double(k))) < 1e-12) }
        #expect(down[24].intensity == 0.3)
        #expect(down[29].intensity == 0.3)
        #expect(down[29].pressure == 0.3)
        #expect(envelope.intensityCap == 0.3)

        envelope.setPersonCap(0.6)
        let up = (1...20).map { _ in next() }
        for k in 1...14 { #expect(abs(up[k - 1].intensity - (0.3 + 0.02 * Double(k))) < 1e-12) }
        #expect(up[14].intensity == 0.6)
        #expect(up[19].pressure == 0.4)
    }

    @Test func plusAndMinusKeysMoveTheCapByTenPercent() {
        let envelope = SafetyEnvelope(limits: Self.limits(maxIntensity: 0.7))
        #expect(envelope.personCap == 1)
        // The first press of - is felt: it starts from the cap in force (0.7), not from 1.
        #expect(envelope.adjustPersonCap(by: -SafetyEnvelope.personCapStep) == 0.6)
        #expect(envelope.intensityCap == 0.6)
        #expect(envelope.pressureCap == 0.6)
        #expect(envelope.adjustPersonCap(by: SafetyEnvelope.personCapStep) == 0.7)
        #expect(envelope.adjustPersonCap(by: SafetyEnvelope.personCapStep) == 0.8)
        // The person's cap may go up to 1, but intensity never above the pattern's 0.7.
        #expect(envelope.intensityCap == 0.7)
        #expect(envelope.pressureCap == 0.8)
        for _ in 0..<5 { envelope.adjustPersonCap(by: 0.1) }
        #expect(envelope.personCap == 1)
        envelope.setPersonCap(0.05)
        #expect(envelope.adjustPersonCap(by: -0.1) == 0)
        envelope.setPersonCap(.nan)
        #expect(envelope.personCap == 0)
    }

    @Test func stopReachesZeroInTheComputedNumberOfFrames() {
        let rate = 128.0
        let envelope = SafetyEnvelope(limits: Self.limits(intensitySlew: 2, pressureSlew: 1, heatSlew: 0.5))
        let base = Stream(rate: rate, seconds: 60) { frame($0, intensity: 0.75, x: 0.3, y: 0.6, pressure: 0.5, heat: 0.25) }
        var iterator = base.safe(through: envelope).makeIterator()
        var before: SafeFrame?
        for _ in 0...256 { before = iterator.next() }
        #expect(before?.intensity == 0.75 && before?.pressure == 0.5 && before?.heat == 0.25)
        #expect(envelope.phase == .playing)

        envelope.stop()
        // Each channel at its own slew: max(0.75/2, 0.5/1, 0.25/0.5) s = 0.5 s = 64 frames.
        let expectedFrames = Int((Swift.max(0.75 / 2, 0.5 / 1, 0.25 / 0.5) * rate).rounded(.up))
        #expect(expectedFrames == 64)
        var after: [SafeFrame] = []
        while let f = iterator.next() {
            after.append(f)
            if after.count < expectedFrames { #expect(envelope.phase == .stopping) }
        }
        #expect(after.count == expectedFrames)
        #expect(envelope.isStopped)
        for (i, f) in after.enumerated() {
            let k = Double(i + 1)
            #expect(f.intensity == Swift.max(0, 0.75 - k / 64))
            #expect(f.pressure == 0.5 - k / 128)
            #expect(f.heat == 0.25 - k / 256)
            #expect(f.position == before?.position)
            #expect(f.time == (256 + k) / rate)
        }
        #expect(after.last?.isZero == true)
    }

    @Test func stopAt100HzTakesFiftyFrames() {
        let envelope = SafetyEnvelope(limits: Self.limits(intensitySlew: 2, pressureSlew: 1))
        for n in 0...200 { _ = envelope.admit(frame(Double(n) / 100, intensity: 0.8, pressure: 0.5)) }
        envelope.stop()
        var frames = 0
        var n = 201
        while !envelope.isStopped && frames < 1000 {
            _ = envelope.admit(frame(Double(n) / 100, intensity: 0.8, pressure: 0.5))
            frames += 1
            n += 1
        }
        #expect(frames == 50)
        // Stopped stays stopped, whatever the frames ask for.
        let later = envelope.admit(frame(Double(n) / 100, intensity: 1, pressure: 1, heat: 1))
        #expect(later.isZero)
    }

    @Test func stopFromAnotherThreadIsSeenByTheStream() {
        let envelope = SafetyEnvelope(limits: Self.limits())
        // The stop comes while the stream is being consumed: the other thread waits until
        // the stream has reached its first second, then stops it.
        let underway = DispatchSemaphore(value: 0)
        let base = Stream(rate: 1000, seconds: 3600) { time in
            if time == 1 { underway.signal() }
            return frame(time, intensity: 0.5)
        }
        // A thread of its own: under the whole suite's load, Dispatch's global queue once
        // ran this block only after the hour of frames had been consumed.
        Thread.detachNewThread {
            underway.wait()
            envelope.stop()
        }
        var count = 0
        for _ in base.safe(through: envelope) { count += 1 }
        #expect(envelope.isStopped)
        #expect(count > 1 && count < 3_600_001)
    }

    @Test func stopBeforeTheFirstFrameGivesAnEmptyStream() {
        let envelope = SafetyEnvelope(limits: Self.limits())
        #expect(envelope.phase == .idle)
        #expect(!envelope.isStopped)
        envelope.stop()
        #expect(envelope.isStopped)
        let base = Stream(rate: 100, seconds: 10) { frame($0, intensity: 0.5) }
        #expect(Array(base.safe(through: envelope)).isEmpty)
    }

    @Test func pauseHoldsThePatternAndResumeRampsBackIn() {
        let envelope = SafetyEnvelope(limits: Self.limits(intensitySlew: 2, startRamp: 1))
        let base = Stream(rate: 100, seconds: 10) { frame($0, intensity: 0.5, x: 0.3, y: 0.6) }
        var iterator = base.safe(through: envelope).makeIterator()
        for n in 0..<300 { #expect(iterator.next()?.frame.step == Int32(n)) }
        envelope.pause()
        // Down at the slew limit, still following the pattern: 0.5 / 0.02 = 25 frames.
        for k in 1...25 {
            let f = iterator.next()!
            #expect(f.frame.step == Int32(299 + k))
            #expect(abs(f.intensity - (0.5 - 0.02 * Double(k))) < 1e-12)
            #expect(envelope.phase == (k < 25 ? .pausing : .paused))
        }
        // Held at zero without consuming the pattern; time goes on at the same period.
        for k in 1...100 {
            let f = iterator.next()!
            #expect(f.frame.step == -1)
            #expect(f.frame.technique == .rest)
            #expect(f.isZero)
            #expect(abs(f.time - (3.24 + 0.01 * Double(k))) < 1e-9)
            #expect(f.position == BackPoint(x: 0.3, y: 0.6))
        }
        #expect(envelope.phase == .paused)
        envelope.resume()
        // The pattern continues where it stopped, shifted by the pause, ramping in over 1 s.
        let resumed = iterator.next()!
        #expect(resumed.frame.step == 325)
        #expect(abs(resumed.time - 4.25) < 1e-9)
        #expect(abs(resumed.intensity - 0.005) < 1e-9)
        #expect(envelope.phase == .playing)
        var f = resumed
        for _ in 1...99 { f = iterator.next()! }
        #expect(f.frame.step == 424)
        #expect(abs(f.intensity - 0.5) < 1e-9)
        // The pause is not session time.
        #expect(abs(envelope.sessionTime - 4.24) < 1e-9)
    }

    // MARK: Session cap and the end

    @Test func sessionCapRampsToZeroAndEnds() {
        let envelope = SafetyEnvelope(limits: Self.limits(intensitySlew: 2, sessionCap: 10))
        let base = Stream(rate: 10, seconds: 20) { frame($0, intensity: 0.5) }
        let out = Array(base.safe(through: envelope))
        #expect(out.count == 103)
        #expect(out[99].intensity == 0.5)
        #expect(abs(out[100].intensity - 0.3) < 1e-12)
        #expect(abs(out[101].intensity - 0.1) < 1e-12)
        #expect(out[102].isZero)
        #expect(abs(out[102].time - 10.2) < 1e-9)
        #expect(out[100].frame.step == 100)
        #expect(out[101].frame.step == -1)
        #expect(envelope.reachedSessionCap)
        #expect(envelope.phase == .ended)
    }

    @Test func endOfStreamRampsDownAtTheSameRate() {
        let envelope = SafetyEnvelope(limits: Self.limits(intensitySlew: 2, pressureSlew: 1))
        let base = Stream(rate: 50, seconds: 1) { frame($0, intensity: 0.8, x: 0.2, y: 0.9, pressure: 0.2) }
        let out = Array(base.safe(through: envelope))
        #expect(out.count == 51 + 20)
        #expect(out[50].intensity == 0.8)
        for k in 1...20 {
            let f = out[50 + k]
            #expect(abs(f.time - (1 + 0.02 * Double(k))) < 1e-9)
            #expect(abs(f.intensity - Swift.max(0, 0.8 - 0.04 * Double(k))) < 1e-12)
            #expect(abs(f.pressure - Swift.max(0, 0.2 - 0.02 * Double(k))) < 1e-12)
            #expect(f.position == BackPoint(x: 0.2, y: 0.9))
        }
        #expect(out.last?.isZero == true)
        #expect(envelope.phase == .ended)
        #expect(!envelope.reachedSessionCap)
    }

    @Test func streamsThatEndAtZeroOrAreEmptyGetNothingMore() {
        let quiet = Stream(rate: 100, seconds: 1) { frame($0) }
        #expect(Array(quiet.safe(through: SafetyEnvelope(limits: Self.limits()))).count == 101)
        let empty = Stream(rate: 100, seconds: -1) { frame($0) }
        #expect(Array(empty.safe(through: SafetyEnvelope(limits: Self.limits()))).isEmpty)
    }

    // MARK: The spine line

    @Test func firmPressureOnTheSpineMovesToTheParaspinalLine() {
        let envelope = SafetyEnvelope(limits: Self.limits(pressureSlew: 10, positionSpeed: 0.3))
        let out = (0...40).map { envelope.admit(frame(Double($0) / 100, x: 0.5, y: 0.5, pressure: 0.8)) }
        for n in 0...20 { #expect(abs(out[n].frame.x - (0.5 - 0.003 * Double(n))) < 1e-12) }
        #expect(out[20].position == BackPoint(x: Anatomy.paraspinalX, y: 0.5))
        #expect(out[40].position == BackPoint(x: Anatomy.paraspinalX, y: 0.5))
        // Pressure stays at the relieved level while the move still touches the line.
        let expected: [Double] = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.6, 0.7, 0.8]
        for (n, p) in expected.enumerated() { #expect(abs(out[n].pressure - p) < 1e-12, "frame \(n)") }
        #expect(out[40].pressure == 0.8)
    }

    @Test func firmWorkOnTheSpineGoesToTheSideTheDeviceIsOn() {
        let envelope = SafetyEnvelope(limits: Self.limits(pressureSlew: 10))
        _ = envelope.admit(frame(0, x: 0.6, y: 0.4))
        var last: SafeFrame?
        for n in 1...200 { last = envelope.admit(frame(Double(n) / 100, x: 0.5, y: 0.4, pressure: 0.9)) }
        #expect(last?.position == BackPoint(x: 1 - Anatomy.paraspinalX, y: 0.4))
        #expect(last?.pressure == 0.9)
    }

    @Test func crossingTheSpineWaitsUntilPressureIsAtTheSpineCap() {
        let envelope = SafetyEnvelope(limits: Self.limits(pressureSlew: 1, positionSpeed: 0.3))
        var out: [Frame] = []
        for n in 0...1280 {
            let t = Double(n) / 128
            out.append(envelope.admit(frame(t, x: t < 1 ? 0.3 : 0.7, y: 0.5, pressure: 0.75)).frame)
        }
        #expect(out[128].pressure == 0.75)
        #expect(out.last?.position == BackPoint(x: 0.7, y: 0.5))
        #expect(out.last?.pressure == 0.75)
        // Held in place at the edge of the line while pressure eases to the spine band's
        // cap: 0.75 − k/128 > 0.5 for k = 0…31, so 32 frames stay where they are, then
        // it crosses.
        let heldFrames = zip(out.dropFirst(128), out.dropFirst(129)).filter { $0.x == $1.x && $0.x < 0.5 && $0.x > 0.4 }
        #expect(heldFrames.count == 32)
        #expect(out.filter { Anatomy.isOnSpineLine($0.position) }.allSatisfy { $0.pressure <= SafetyLimits.relievedPressure })
        #expect(SafetyRuleChecker(limits: envelope.limits, complete: false).violations(out).isEmpty)
    }

    /// The issue-9 relocation: 0.567 pressure (under firm) moving over the spine used to
    /// cross at once; every frame in the band now holds the cap.
    @Test func noFrameInTheSpineBandAboveTheCapEvenBelowFirm() {
        let envelope = SafetyEnvelope(limits: Self.limits(pressureSlew: 1, positionSpeed: 0.3))
        var out: [Frame] = []
        for n in 0...640 {
            let t = Double(n) / 128
            out.append(envelope.admit(frame(t, x: t < 1 ? 0.4 : 0.6, y: 0.5, pressure: 0.567)).frame)
        }
        let band = out.filter { Anatomy.isOnSpineLine($0.position) }
        #expect(!band.isEmpty)
        #expect(band.allSatisfy { $0.pressure <= SafetyLimits.relievedPressure })
        #expect(out.last?.position == BackPoint(x: 0.6, y: 0.5))
        #expect(SafetyRuleChecker(limits: envelope.limits, complete: false).violations(out).isEmpty)
    }

    // MARK: Firm-hold cap

    /// Firm runs as (start, end) times: consecutive frames at or above firm pressure.
    static func firmRuns(_ frames: [Frame]) -> [(start: Double, end: Double)] {
        var runs: [(Double, Double)] = []
        var start: Double?
        for (i, f) in frames.enumerated() {
            if f.pressure >= firmPressureThreshold {
                if start == nil { start = f.time }
                if i == frames.count - 1 || frames[i + 1].pressure < firmPressureThreshold { runs.append((start!, f.time)) }
            } else {
                start = nil
            }
        }
        return runs
    }

    @Test func firmHoldIsEasedAtItsCapUntilThePointChanges() {
        let envelope = SafetyEnvelope(limits: Self.limits(pressureSlew: 1, positionSpeed: 0.3, startRamp: 3))
        let out = (0...800).map { n -> Frame in
            let t = Double(n) / 10
            return envelope.admit(frame(t, x: 0.3, y: t < 60 ? 0.6 : 0.3, pressure: 0.75)).frame
        }
        let runs = Self.firmRuns(out)
        #expect(runs.count == 2)
        // Held right up to the cap, not longer.
        #expect(runs[0].end - runs[0].start <= 35)
        #expect(runs[0].end - runs[0].start > 34.7)
        #expect(out[500].pressure == SafetyLimits.relievedPressure)
        // Moved 0.3 away (more than the 30 mm radius): firm again.
        #expect(runs[1].start < 61.5)
        #expect(out[700].pressure == 0.75)
        #expect(SafetyRuleChecker(limits: envelope.limits, complete: false).violations(out).isEmpty)
    }

    @Test func restAtTheSamePointCountsOnlyAsLongAsItLasted() {
        // 25 s firm, 5 s off, then firm again at the same point: the load is about
        // 25 − 5 = 20 s when the second hold begins, so it is eased after 15 s.
        let envelope = SafetyEnvelope(limits: Self.limits(pressureSlew: 10))
        let out = (0...600).map { n -> Frame in
            let t = Double(n) / 10
            return envelope.admit(frame(t, x: 0.3, y: 0.6, pressure: (25..<30).contains(t) ? 0 : 0.75)).frame
        }
        let runs = Self.firmRuns(out)
        #expect(runs.count == 2)
        #expect(runs[0].end - runs[0].start > 24.7)
        let second = runs[1].end - runs[1].start
        #expect(second > 14.5 && second <= 15.0)

        // The same at another point: the second hold is a new point and runs in full.
        let fresh = SafetyEnvelope(limits: Self.limits(pressureSlew: 10))
        let moved = (0...600).map { n -> Frame in
            let t = Double(n) / 10
            return fresh.admit(frame(t, x: 0.3, y: t < 27 ? 0.6 : 0.3, pressure: (25..<30).contains(t) ? 0 : 0.75)).frame
        }
        let movedRuns = Self.firmRuns(moved)
        #expect(movedRuns.count == 2)
        #expect(movedRuns[1].end - movedRuns[1].start > 29.5)
    }

    @Test func rhythmicPressingAtHalfTheTimeNeverTrips() {
        let envelope = SafetyEnvelope(limits: Self.limits(pressureSlew: 10))
        let out = (0...12000).map { n -> Frame in
            let t = Double(n) / 100
            let pressing = t.truncatingRemainder(dividingBy: 1) < 0.5
            return envelope.admit(frame(t, x: 0.3, y: 0.6, pressure: pressing ? 0.75 : 0)).frame
        }
        #expect(out[11_900...].map(\.pressure).max() == 0.75)
        #expect(Self.firmRuns(out).count == 120)
    }
}
