import Foundation
import Testing
@testable import KneadCore

/// The math every technique is built from: trigonometry in turns, easing, envelopes.
@Suite struct CompilerShapingTests {
    @Test func quarterTurnsAreExact() {
        #expect(sinCosTurns(0) == (sin: 0, cos: 1))
        #expect(sinCosTurns(0.25) == (sin: 1, cos: 0))
        #expect(sinCosTurns(0.5) == (sin: 0, cos: -1))
        #expect(sinCosTurns(0.75) == (sin: -1, cos: 0))
        #expect(sinCosTurns(-0.25) == (sin: -1, cos: 0))
        #expect(sinCosTurns(1_000_000.5) == (sin: 0, cos: -1))
        #expect(pulse(0) == 0 && pulse(0.5) == 1 && pulse(1) == 0 && pulse(40.5) == 1)
    }

    @Test func turnsAgreeWithTheSystemLibrary() {
        var worst = 0.0
        for i in 0..<200_000 {
            let turns = Double(i) * 0.000_731 - 37.3
            let mine = sinCosTurns(turns)
            let angle = 2 * Double.pi * turns
            worst = max(worst, abs(mine.sin - Foundation.sin(angle)), abs(mine.cos - Foundation.cos(angle)))
        }
        // The system's result carries the rounding of 2π·turns (up to ~37 turns here).
        #expect(worst < 1e-13)
        #expect(sinCosTurns(.nan) == (sin: 0, cos: 1))
    }

    @Test func smoothstepAndMix() {
        #expect(smoothstep(-1) == 0 && smoothstep(0) == 0 && smoothstep(0.5) == 0.5 && smoothstep(1) == 1)
        #expect(smoothstep(2) == 1 && smoothstep(.nan) == 0)
        #expect(smoothstep(0.25) == 0.15625)
        #expect(mix(0.02, 0.98, 1) == 0.98 && mix(0.02, 0.98, 0) == 0.02)
        #expect(mix(0.44, 0.44, 0.3) == 0.44)
    }

    @Test func edgeEnvelopeRampsInAndOut() {
        let envelope = EdgeEnvelope(duration: 10, rampIn: 2, rampOut: 4)
        #expect(envelope.factor(0) == 0 && envelope.factor(1) == 0.5 && envelope.factor(2) == 1)
        #expect(envelope.factor(5) == 1 && envelope.factor(8) == 0.5 && envelope.factor(10) == 0)
        // Short pieces: each ramp takes at most half.
        let short = EdgeEnvelope(duration: 1, rampIn: 3, rampOut: 3)
        #expect(short.rampIn == 0.5 && short.rampOut == 0.5 && short.factor(0.5) == 1 && short.factor(0.25) == 0.5)
    }

    @Test func rampAndRhythmShares() {
        // Firm pressure on the chair: 1.5 × 0.75 / (¼ × 1.0) = 4.5 s.
        #expect(Shaping.rampTime(peak: 0.75, slew: 1, share: Shaping.edgeRampSlewShare, minimum: 1) == 4.5)
        #expect(Shaping.rampTime(peak: 0.1, slew: 1, share: Shaping.edgeRampSlewShare, minimum: 1) == 1)
        // A rhythm may use ¾ of the slew: 6 Hz taps at 0.5 on 2.0/s → depth 0.5/π.
        let depth = Shaping.rhythmDepth(desired: 1, peak: 0.5, shapeSlope: Double.pi * 6, slew: 2)
        #expect(abs(depth - 0.5 / Double.pi) < 1e-15)
        #expect(Shaping.rhythmDepth(desired: 0.3, peak: 0.5, shapeSlope: 1, slew: 2) == 0.3)
    }

    @Test func heatRampIsContinuous() {
        let ramp = HeatRamp(from: 0.2, to: 0.6, start: 10, duration: 2)
        #expect(ramp.value(at: 9) == 0.2 && ramp.value(at: 10) == 0.2)
        #expect(abs(ramp.value(at: 11) - 0.4) < 1e-15 && ramp.value(at: 12) == 0.6 && ramp.value(at: 99) == 0.6)
    }
}
