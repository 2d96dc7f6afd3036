import Testing
import KneadCore

/// The envelope's rules as properties over random input: whatever goes in (random
/// jumps, NaN, values above 1, any rate from 1 Hz to 2 kHz, firm pressure on the spine,
/// long holds, time going backwards), no frame that comes out breaks a rule.
@Suite("Safety envelope properties")
struct SafetyPropertyTests {
    /// Random streams on random devices, bodies and limits, played to their end.
    @Test(arguments: 0..<160)
    func randomStreamsKeepEveryRule(seed: Int) {
        var rng = SplitMix64(seed: UInt64(seed) &* 0x2545_F491_4F6C_DD1D)
        let setup = RandomSetup(&rng)
        let envelope = SafetyEnvelope(limits: setup.limits)
        let input = RandomFrames(seed: rng.next(), period: setup.period, count: setup.frameCount)
        // Bounded, so an envelope that never reaches zero fails here instead of hanging.
        let output = input.safe(through: envelope).prefix(setup.frameCount * 3 + 100_000).map(\.frame)

        var checker = SafetyRuleChecker(limits: setup.limits)
        if !envelope.reachedSessionCap { checker.endIndex = setup.frameCount }
        let violations = checker.violations(output)
        #expect(violations.isEmpty, "seed \(seed), \(setup.device.name), period \(setup.period): \(violations)")
        #expect(!output.isEmpty)
        // The base is taken in full unless the session cap ended it; the final ramp after
        // it lasts no longer than endRamp plus one period.
        if !envelope.reachedSessionCap {
            #expect(output.count >= setup.frameCount)
            let trailing = output.count - setup.frameCount
            if trailing > 0 {
                let rampTime = output[output.count - 1].time - output[setup.frameCount - 1].time
                #expect(rampTime <= setup.limits.endRamp + 1.0 + 1e-9, "seed \(seed): final ramp \(rampTime) s")
            }
        }
        #expect(envelope.phase == .ended || envelope.phase == .stopped, "seed \(seed)")
    }

    /// The same, with a person at the controls: the cap moved up and down, pauses and
    /// resumes, and sometimes a stop.
    @Test(arguments: 0..<120)
    func liveControlsKeepEveryRule(seed: Int) {
        var rng = SplitMix64(seed: UInt64(seed) &* 0x9E37_79B9 &+ 17)
        let setup = RandomSetup(&rng)
        let envelope = SafetyEnvelope(limits: setup.limits)
        let input = RandomFrames(seed: rng.next(), period: setup.period, count: setup.frameCount)
        var output: [Frame] = []
        var caps: [Level] = []
        var stopIndex: Int?
        var paused = false
        var resumeAt: Int?
        let stopAt = rng.chance(0.4) ? rng.int(0...setup.frameCount) : nil

        // Where winding down began for the end of the input or the session cap (paused
        // time is not session time, so only the envelope knows): those frames may fall
        // at the way-out rate.
        let watch = EndWatch()
        var iterator = WatchedFrames(base: input.makeIterator(), watch: watch).safe(through: envelope).makeIterator()
        var capIndex: Int?
        caps.append(envelope.personCap)
        while let safe = iterator.next() {
            output.append(safe.frame)
            watch.emitted = output.count
            if capIndex == nil && envelope.reachedSessionCap { capIndex = output.count - 1 }
            let i = output.count
            if i > setup.frameCount * 3 + 100_000 { Issue.record("seed \(seed): the stream does not end"); break }
            if rng.chance(0.01) { envelope.setPersonCap(rng.uniform(-0.2...1.2)) }
            if rng.chance(0.01) { envelope.adjustPersonCap(by: rng.chance(0.5) ? SafetyEnvelope.personCapStep : -SafetyEnvelope.personCapStep) }
            if resumeAt == nil && rng.chance(0.003) {
                envelope.pause()
                paused = true
                resumeAt = i + rng.int(1...2000)
            } else if let r = resumeAt, i >= r {
                envelope.resume()
                resumeAt = nil
            }
            if let s = stopAt, i == s, stopIndex == nil {
                envelope.stop()
                stopIndex = i
            }
            caps.append(envelope.personCap)
        }

        var checker = SafetyRuleChecker(limits: setup.limits)
        checker.personCaps = caps
        checker.stopIndex = stopIndex
        checker.endIndex = [watch.endIndex, capIndex].compactMap { $0 }.min()
        checker.paused = paused
        let violations = checker.violations(output)
        #expect(violations.isEmpty, "seed \(seed), \(setup.device.name), period \(setup.period): \(violations)")
        if stopIndex != nil { #expect(envelope.isStopped, "seed \(seed)") }
    }

    /// The rules hold for the frames admitted one by one too, without `SafeFrames`
    /// (how an engine with its own loop would use the envelope).
    @Test(arguments: 0..<40)
    func admitAloneKeepsEveryRule(seed: Int) {
        var rng = SplitMix64(seed: UInt64(seed) &+ 0xD1B5_4A32_D192_ED03)
        let setup = RandomSetup(&rng)
        let envelope = SafetyEnvelope(limits: setup.limits)
        let output = RandomFrames(seed: rng.next(), period: setup.period, count: setup.frameCount)
            .map { envelope.admit($0).frame }
        var checker = SafetyRuleChecker(limits: setup.limits)
        checker.complete = false
        let violations = checker.violations(output)
        #expect(violations.isEmpty, "seed \(seed): \(violations)")
    }
}

/// Notes how many frames had come out when the input ran out.
private final class EndWatch {
    var emitted = 0
    var endIndex: Int?
}

private struct WatchedFrames<Base: IteratorProtocol>: Sequence, IteratorProtocol where Base.Element == Frame {
    var base: Base
    let watch: EndWatch
    mutating func next() -> Frame? {
        guard let frame = base.next() else {
            if watch.endIndex == nil { watch.endIndex = watch.emitted }
            return nil
        }
        return frame
    }
}
