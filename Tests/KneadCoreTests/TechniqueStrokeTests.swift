import Testing
@testable import KneadCore

/// Effleurage, warm-up and deep-tissue: strokes bottom to top, lighter returns.
@Suite struct TechniqueStrokeTests {
    typealias F = CompilerFixture
    let left = Anatomy.paraspinalX, right = 1 - Anatomy.paraspinalX

    @Test func effleurageDefaultsStrokeUpTheParaspinalLinesInTurn() throws {
        let timeline = try F.compile(F.step(.effleurage))
        let info = timeline.steps[0]
        // 6 strokes of 8 s; returns from the top of one line to the bottom of the other
        // (0.12 across, 0.96 down) at the chair's travel speed 0.3/s: 1.5 × √0.936 / 0.3;
        // 3 s to relax after.
        let returns: Double = 5 * 5 * 0.936.squareRoot()
        #expect(F.near(info.duration, 48 + returns + 3, 1e-9))
        #expect(info.target == .zone(.paraspinal, .both))
        #expect(info.peakIntensity == 0.35 && info.peakPressure == PressureName.light.level)

        // Starts at the lower ribs on the left line, at zero.
        #expect(timeline.frame(at: info.start) == Frame(
            time: info.start, intensity: 0, x: left, y: 0.02, pressure: 0, heat: 0,
            technique: .effleurage, target: .zone(.paraspinal, .both), step: 0))

        let frames = F.frames(of: 0, in: timeline)
        let strokes = F.risingRuns(frames, \.y)
        #expect(strokes.count == 6)
        for (k, stroke) in strokes.enumerated() {
            #expect(stroke.first.y < 0.02 + 1e-4 && stroke.last.y > 0.98 - 1e-4)
            #expect(F.near(stroke.last.time - stroke.first.time, 8, 0.002))
            let line = k % 2 == 0 ? left : right
            // (A run's first frame is the last of the return before it, and its last
            // may be the first of the return after: strokes end at rest, so y barely moves.)
            let during = frames.filter { $0.time > stroke.first.time && $0.time < stroke.last.time }
            #expect(during.allSatisfy { $0.x == line })
        }
        // Lighter returns between strokes: y falls 5 times.
        #expect(F.risingRuns(frames, { -$0.y }).count == 5)
        // Ends at the neck base on the right line (the 6th stroke), still while it relaxes.
        let last = try #require(frames.last)
        #expect(last.x == right && last.y == 0.98)
        let relax = frames.filter { $0.time >= info.start + info.duration - 3 }
        #expect(relax.allSatisfy { $0.x == right && $0.y == 0.98 })
        #expect(timeline.frame(at: info.start + info.duration).intensity == 0)
    }

    @Test func effleurageLevelsAreFullOnStrokesAndLighterOnReturns() throws {
        let timeline = try F.compile(F.step(.effleurage))
        let s = timeline.steps[0].start
        let back = 5 * 0.936.squareRoot()
        // Middle of the third stroke: full light effleurage, half way up the left line.
        let stroke = timeline.frame(at: s + 2 * (8 + back) + 4)
        #expect(stroke.intensity == 0.35 && stroke.pressure == 0.3)
        #expect(stroke.x == left && F.near(stroke.y, 0.5))
        // Middle of the third return: 35 % of it, crossing the spine.
        let mid = timeline.frame(at: s + 2 * (8 + back) + 8 + back / 2)
        #expect(F.near(mid.intensity, 0.35 * 0.35) && F.near(mid.pressure, 0.3 * 0.35))
        #expect(F.near(mid.x, 0.5) && F.near(mid.y, 0.5))
    }

    @Test func effleurageOnOneSideWithOverrides() throws {
        let timeline = try F.compile(F.step(.effleurage, .init(
            from: .zone(.lowerRibs, .left), to: .zone(.neckBase, .left), strokes: 3, stroke: 10)))
        let info = timeline.steps[0]
        // Returns take half a stroke (5 s; the line's 0.96 needs only 4.8 s), 3 s relax.
        let expected: Double = 30 + 10 + 3
        #expect(info.duration == expected)
        #expect(info.target == .zone(.paraspinal, .left))
        let frames = F.frames(of: 0, in: timeline)
        let strokes = F.risingRuns(frames, \.y)
        #expect(strokes.count == 3)
        #expect(strokes.allSatisfy { F.near($0.last.time - $0.first.time, 10, 0.002) })
        #expect(frames.allSatisfy { $0.x == left })
        // Stroke 2 starts 15 s in, at the bottom; 5 s later it is half way up.
        #expect(timeline.frame(at: info.start + 15).y == 0.02)
        #expect(F.near(timeline.frame(at: info.start + 20).y, 0.5))
    }

    @Test func effleurageFitsAWrittenDuration() throws {
        // 60 s with 8 s strokes: 5 strokes fit (57 s before the relax); their returns
        // need 4.8 s, so each stroke gets (57 − 4 × 4.8) / 5 = 7.56 s.
        let timeline = try F.compile(F.step(.effleurage, .init(
            duration: 60, from: .zone(.lowerRibs, .left), to: .zone(.neckBase, .left))))
        #expect(F.near(timeline.steps[0].duration, 60, 1e-9))
        let strokes = F.risingRuns(F.frames(of: 0, in: timeline), \.y)
        #expect(strokes.count == 5)
        #expect(strokes.allSatisfy { F.near($0.last.time - $0.first.time, 7.56, 0.002) })

        // With `strokes` written, the stroke stretches to fit: 57 / (4 × 1.5 − 0.5).
        let four = try F.compile(F.step(.effleurage, .init(
            duration: 60, from: .zone(.lowerRibs, .left), to: .zone(.neckBase, .left), strokes: 4)))
        #expect(F.near(four.steps[0].duration, 60, 1e-9))
        let longer = F.risingRuns(F.frames(of: 0, in: four), \.y)
        #expect(longer.count == 4)
        #expect(longer.allSatisfy { F.near($0.last.time - $0.first.time, 57 / 5.5, 0.002) })
    }

    @Test func warmUpSweepsGentlyUpBothLines() throws {
        let timeline = try F.compile(F.step(.warmUp))
        let info = timeline.steps[0]
        #expect(F.near(info.duration, 90, 1e-9))
        let frames = F.frames(of: 0, in: timeline)
        let sweeps = F.risingRuns(frames, \.y)
        // 87 s before the relax at 10 s strokes: 6 sweeps of 87 / 8.5 s.
        #expect(sweeps.count == 6)
        #expect(sweeps.allSatisfy { F.near($0.last.time - $0.first.time, 87 / 8.5, 0.002) })
        #expect(sweeps.enumerated().allSatisfy { $0.element.first.x == ($0.offset % 2 == 0 ? left : right) })
        #expect(frames.allSatisfy { $0.intensity <= 0.2 && $0.pressure <= PressureName.light.level })
        #expect(frames.contains { $0.intensity == 0.2 })
    }

    @Test func deepTissueStrokesSlowlyThroughTheRhomboids() throws {
        let timeline = try F.compile(F.step(.deepTissue))
        let info = timeline.steps[0]
        // 4 strokes of 12 s, 6 s returns, and a relax as long as the firm pressure's
        // ramp (6 × 0.75 / 1.0 slew = 4.5 s).
        let expected: Double = 48 + 18 + 4.5
        #expect(info.duration == expected)
        #expect(info.target == .zone(.rhomboids, .both))
        #expect(info.peakPressure == PressureName.firm.level)
        let frames = F.frames(of: 0, in: timeline)
        let strokes = F.risingRuns(frames, \.y)
        #expect(strokes.count == 4)
        for (k, stroke) in strokes.enumerated() {
            #expect(stroke.first.x == (k % 2 == 0 ? 0.40 : 0.60))
            #expect(stroke.first.y < 0.49 + 1e-4 && stroke.last.y > 0.75 - 1e-4)
        }
        #expect(frames.contains { $0.pressure == 0.75 })
    }

    @Test func deepTissueFromTo() throws {
        let timeline = try F.compile(F.step(.deepTissue, .init(
            from: .zone(.rhomboids, .left), to: .zone(.upperTrapezius, .left), strokes: 2)))
        let frames = F.frames(of: 0, in: timeline)
        let strokes = F.risingRuns(frames, \.y)
        #expect(strokes.count == 2)
        let first = timeline.frame(at: timeline.steps[0].start)
        #expect(first.x == 0.40 && first.y == 0.62)
        #expect(frames.last?.x == 0.30 && frames.last?.y == 0.92)
    }

    @Test func handheldFramesCarryTheSamePositions() throws {
        let chair = try F.compile(F.step(.effleurage))
        let handheld = try F.compile(F.step(.effleurage), device: .handheld)
        let a = F.frames(of: 0, in: chair), b = F.frames(of: 0, in: handheld)
        #expect(F.risingRuns(b, \.y).count == 6)
        #expect(b.first?.x == left && b.first.map { $0.y < 0.02 + 1e-3 } == true)
        #expect(b.last?.x == right && b.last?.y == 0.98)
        // The handheld's guidance speed is slower, so its returns take longer.
        #expect(b.count > a.count)
    }
}
