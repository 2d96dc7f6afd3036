import Testing
@testable import KneadCore

/// Trigger-point: sink in, hold still, release, gentle circles.
@Suite struct TechniqueTriggerPointTests {
    typealias F = CompilerFixture
    static let knot = BackPoint(x: 0.4, y: 0.6)

    /// Firm pressure 0.75 on the chair's 1.0/s pressure channel: the press ramp is
    /// 6 × 0.75 / 1.0 = 4.5 s (longer than the 3 s minimum).
    static let ramp = 4.5

    @Test func holdIsStillAtFullPressureForExactlyHold() throws {
        let timeline = try F.compile(F.step(.triggerPoint, .init(at: .point(Self.knot), hold: 20)))
        let info = timeline.steps[0]
        let s = info.start
        #expect(info.duration == 2 * Self.ramp + 20 + 10)
        #expect(info.peakIntensity == 0.6 && info.peakPressure == 0.75)

        // Middle of the hold, by hand: every channel at its level, exactly on the knot.
        #expect(timeline.frame(at: s + Self.ramp + 10) == Frame(
            time: s + Self.ramp + 10, intensity: 0.6, x: 0.4, y: 0.6, pressure: 0.75, heat: 0,
            technique: .triggerPoint, target: .point(Self.knot), step: 0))
        // Half-way in: smoothstep(½) = ½.
        let sinking = timeline.frame(at: s + Self.ramp / 2)
        #expect(F.near(sinking.intensity, 0.3) && F.near(sinking.pressure, 0.375))
        #expect(sinking.position == Self.knot)

        // Full from 4.5 s to 24.5 s, and not a microsecond more on either side.
        #expect(timeline.frame(at: s + Self.ramp + 1e-6).pressure == 0.75)
        #expect(timeline.frame(at: s + Self.ramp + 20 - 1e-6).pressure == 0.75)
        #expect(timeline.frame(at: s + Self.ramp - 1e-6).pressure < 0.75)
        #expect(timeline.frame(at: s + Self.ramp + 20 + 1e-6).pressure < 0.75)
        let held = F.frames(of: 0, in: timeline).filter {
            $0.pressure == 0.75 && $0.intensity == 0.6 && $0.position == Self.knot
        }
        #expect((20_000...20_001).contains(held.count))
        #expect(F.near(held.last!.time - held.first!.time, 20, 0.0011)) // within one 1 ms sample
    }

    @Test func releaseThenGentleCircles() throws {
        let timeline = try F.compile(F.step(.triggerPoint, .init(at: .point(Self.knot), hold: 20, after: 10)))
        let s = timeline.steps[0].start
        let afterStart = s + 2 * Self.ramp + 20
        // Released to the gentle level (40 %) at the end of the release.
        let released = timeline.frame(at: afterStart)
        #expect(F.near(released.pressure, 0.4 * 0.75) && F.near(released.intensity, 0.4 * 0.6))
        #expect(released.position == Self.knot)
        let after = F.frames(of: 0, in: timeline).filter { $0.time > afterStart }
        #expect(after.allSatisfy { $0.pressure <= 0.3 + 1e-12 && $0.intensity <= 0.24 + 1e-12 })
        #expect(after.contains { $0.position != Self.knot })
        // Circles of 2 s (the default), about the knot: x − 0.4 crosses zero every second.
        let crossings = F.zeroCrossings(after) { $0.x - Self.knot.x }
        #expect(crossings.count >= 8)
        for (a, b) in zip(crossings, crossings.dropFirst()) { #expect(F.near(b - a, 1, 1e-3)) }
        // And it ends back on the knot, at zero.
        let end = timeline.frame(at: s + timeline.steps[0].duration - 1e-9)
        #expect(F.near(end.x, 0.4, 1e-9) && F.near(end.y, 0.6, 1e-9) && end.pressure < 1e-9)
    }

    @Test func noAfterCirclesReleasesToZero() throws {
        let timeline = try F.compile(F.step(.triggerPoint, .init(at: .point(Self.knot), hold: 30, after: 0)))
        let info = timeline.steps[0]
        #expect(info.duration == 2 * Self.ramp + 30)
        let frames = F.frames(of: 0, in: timeline)
        #expect(frames.allSatisfy { $0.position == Self.knot })
        #expect(timeline.frame(at: info.start + info.duration).pressure == 0)
    }

    @Test func bothSidesAreHeldInTurn() throws {
        let timeline = try F.compile(F.step(.triggerPoint, .init(intensity: 0.5, at: .zone(.upperTrapezius, .both), hold: 10)))
        let frames = F.frames(of: 0, in: timeline)
        let left = Target.zone(.upperTrapezius, .left), right = Target.zone(.upperTrapezius, .right)
        // intensity 0.5 is the hold's depth too (see writtenIntensityIsTheDepth).
        let leftHold = frames.filter { $0.target == left && $0.pressure == 0.5 }
        let rightHold = frames.filter { $0.target == right && $0.pressure == 0.5 }
        #expect(leftHold.allSatisfy { $0.position == BackPoint(x: 0.30, y: 0.92) })
        #expect(rightHold.allSatisfy { $0.position == BackPoint(x: 0.70, y: 0.92) })
        #expect((10_000...10_001).contains(leftHold.count) && (10_000...10_001).contains(rightHold.count))
        #expect(leftHold.last!.time < rightHold.first!.time)
        #expect(timeline.steps[0].target == .zone(.upperTrapezius, .both))
    }

    /// Issue 9: a trigger point's `intensity` left its pressure at the default 0.75.
    /// Written intensity is how hard the knot is pressed; written pressure wins.
    @Test func writtenIntensityIsTheDepth() throws {
        let timeline = try F.compile(F.step(.triggerPoint, .init(intensity: 0.4, at: .point(Self.knot), hold: 15)))
        let held = F.frames(of: 0, in: timeline).filter { $0.intensity == 0.4 }
        #expect(!held.isEmpty && held.allSatisfy { $0.pressure == 0.4 })
        #expect(F.frames(of: 0, in: timeline).map(\.pressure).max() == 0.4)
        #expect(timeline.steps[0].peakPressure == 0.4)

        let both = try F.compile(F.step(.triggerPoint, .init(intensity: 0.4, pressure: 0.7, at: .point(Self.knot), hold: 15)))
        #expect(F.frames(of: 0, in: both).map(\.pressure).max() == 0.7)
        let neither = try F.compile(F.step(.triggerPoint, .init(at: .point(Self.knot), hold: 15)))
        #expect(F.frames(of: 0, in: neither).map(\.pressure).max() == 0.75)
    }

    @Test func aGentlePressUsesTheMinimumRamp() throws {
        // Light pressure needs only 6 × 0.3 = 1.8 s; the press ramp is never under 3 s.
        let timeline = try F.compile(F.step(.triggerPoint, .init(intensity: 0.3, pressure: 0.3, at: .point(Self.knot), hold: 12)))
        let s = timeline.steps[0].start
        #expect(timeline.steps[0].duration == 3 + 12 + 3 + 10)
        #expect(F.near(timeline.frame(at: s + 1.5).pressure, 0.15))
    }
}
