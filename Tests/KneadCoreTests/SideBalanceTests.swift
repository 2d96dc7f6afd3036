import Testing
@testable import KneadCore

/// Issue 9: both-sides work gives each side the same time and the same number of
/// strokes, and `duration` means the same for every technique: per area, each side of
/// a both-sides zone being one area (docs/patterns.md, "Duration and sides").
@Suite struct SideBalanceTests {
    typealias F = CompilerFixture

    /// Seconds of a step's own frames (at 100 Hz) on `side`, travel and rests left out.
    static func seconds(_ frames: [Frame], technique: Technique, on side: Target) -> Double {
        Double(frames.filter { $0.technique == technique && $0.target == side }.count) / 100
    }

    @Test(arguments: [Technique.petrissage, .friction, .tapping, .vibration, .myofascial, .shiatsu])
    func durationIsPerAreaAndBothSidesGetIt(technique: Technique) throws {
        let zone = Target.zone(.rhomboids, .both)
        let timeline = try F.compile(F.step(technique, .init(duration: 40, zone: zone)))
        let frames = timeline.frames(rate: 100).filter { $0.step == 0 }
        let left = Self.seconds(frames, technique: technique, on: .zone(.rhomboids, .left))
        let right = Self.seconds(frames, technique: technique, on: .zone(.rhomboids, .right))
        #expect(abs(left - 40) <= 0.011, "\(technique) left \(left) s")
        #expect(abs(right - 40) <= 0.011, "\(technique) right \(right) s")
        // One side alone gets the same 40 s: the figure does not depend on the zone.
        let one = try F.compile(F.step(technique, .init(duration: 40, zone: .zone(.rhomboids, .left))))
        let alone = Self.seconds(one.frames(rate: 100).filter { $0.step == 0 }, technique: technique,
                                 on: .zone(.rhomboids, .left))
        #expect(abs(alone - left) <= 0.011)
    }

    /// Strokes up each side, told apart by which side of the spine they run on.
    static func strokesPerSide(_ timeline: Timeline) -> (left: Int, right: Int) {
        let runs = F.risingRuns(F.frames(of: 0, in: timeline, rate: 200), \.y).filter { $0.last.y - $0.first.y > 0.1 }
        let left = runs.filter { $0.last.x < 0.5 }.count
        return (left, runs.count - left)
    }

    @Test(arguments: [1, 2, 3, 5])
    func oddAndEvenStrokeCountsAreTheSameOnEachSide(strokes: Int) throws {
        for technique in [Technique.effleurage, .deepTissue] {
            let timeline = try F.compile(F.step(technique, .init(strokes: strokes)))
            let sides = Self.strokesPerSide(timeline)
            #expect(sides.left == strokes && sides.right == strokes, "\(technique) \(strokes): \(sides)")
        }
    }

    @Test func strokesFittedToADurationStayEven() throws {
        // 40 s a side of 8 s strokes: the same number up each line, over 80 s in all.
        let timeline = try F.compile(F.step(.effleurage, .init(duration: 40)))
        let sides = Self.strokesPerSide(timeline)
        #expect(sides.left == sides.right && sides.left >= 3)
        #expect(F.near(timeline.steps[0].duration, 80, 1e-9))
        let warmUp = try F.compile(F.step(.warmUp, .init(duration: 37)))
        let w = Self.strokesPerSide(warmUp)
        #expect(w.left == w.right)
    }

    /// The shipped middle-trapezius deep tissue (`strokes: 3` before) was 2:1.
    @Test func rhomboidDeepTissueMiddleTrapeziusIsBalanced() throws {
        let timeline = try F.compile(F.step(.deepTissue, .init(zone: .zone(.middleTrapezius, .both), strokes: 3, stroke: 14)))
        let sides = Self.strokesPerSide(timeline)
        #expect(sides.left == 3 && sides.right == 3)
    }
}
