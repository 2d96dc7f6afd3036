import Testing
@testable import KneadCore

/// Effleurage, warm-up and deep-tissue: strokes bottom to top, lighter returns.
@Suite struct TechniqueStrokeTests {
    typealias F = CompilerFixture
    let left = Anatomy.paraspinalX, right = 1 - Anatomy.paraspinalX

    /// A return's length on the chair for the default paraspinal lines (x 0.44/0.56,
    /// y 0.02 → 0.98): ease off and in (1.5·level/slew, at least 0.3 s), down the line at
    /// the travel speed; on both sides a lift (at least 0.3 s) and the move across.
    static func returnTime(pressure: Double, intensity: Double, bothSides: Bool) throws -> Double {
        let chair = try DeviceLimits(device: .chair, body: .default)
        let ease = max(0.3, 1.5 * pressure / chair.pressureSlew, 1.5 * intensity / chair.intensitySlew)
        let down = chair.travelTime(from: BackPoint(x: 0.44, y: 0.98), to: BackPoint(x: 0.44, y: 0.02))
        guard bothSides else { return 2 * ease + down }
        let lift = max(0.3, 1.5 * 0.2 * pressure / chair.pressureSlew, 1.5 * 0.2 * intensity / chair.intensitySlew)
        let across = chair.travelTime(from: BackPoint(x: 0.44, y: 0.02), to: BackPoint(x: 0.56, y: 0.02))
        return 2 * ease + down + lift + across
    }

    @Test func effleurageDefaultsStrokeUpTheParaspinalLinesInTurn() throws {
        let timeline = try F.compile(F.step(.effleurage))
        let info = timeline.steps[0]
        // 6 strokes of 8 s; 5 returns, each down its own line, lifting off and across at
        // the bottom, with the eases either side; 3 s to relax after.
        let returns = 5 * (try Self.returnTime(pressure: 0.3, intensity: 0.35, bothSides: true))
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
        let back = try Self.returnTime(pressure: 0.3, intensity: 0.35, bothSides: true)
        // Middle of the third stroke: full light effleurage, half way up the left line.
        let stroke = timeline.frame(at: s + 2 * (8 + back) + 4)
        #expect(stroke.intensity == 0.35 && stroke.pressure == 0.3)
        #expect(stroke.x == left && F.near(stroke.y, 0.5))
        // Coming back down after it: a fifth of the stroke, on the left line, not the spine.
        let frames = F.frames(of: 0, in: timeline)
        let third = frames.filter { $0.time > s + 2 * (8 + back) + 8 && $0.time < s + 3 * (8 + back) }
        // (Falling by more than rounding: the down leg, not the lift at its foot.)
        let down = zip(third, third.dropFirst()).filter { $1.y < $0.y - 1e-6 }.map(\.1)
        #expect(!down.isEmpty)
        #expect(down.allSatisfy { $0.x == left && F.near($0.pressure, 0.3 * 0.2) && F.near($0.intensity, 0.35 * 0.2) })
    }

    @Test func effleurageOnOneSideWithOverrides() throws {
        let timeline = try F.compile(F.step(.effleurage, .init(
            from: .zone(.lowerRibs, .left), to: .zone(.neckBase, .left), strokes: 3, stroke: 10)))
        let info = timeline.steps[0]
        // Returns take the eases and the line's 0.96 down (4.8 s), more than half a
        // stroke (5 s); 3 s relax.
        let back = try Self.returnTime(pressure: 0.3, intensity: 0.35, bothSides: false)
        #expect(back > 5)
        #expect(F.near(info.duration, 30 + 2 * back + 3, 1e-9))
        #expect(info.target == .zone(.paraspinal, .left))
        let frames = F.frames(of: 0, in: timeline)
        let strokes = F.risingRuns(frames, \.y)
        #expect(strokes.count == 3)
        #expect(strokes.allSatisfy { F.near($0.last.time - $0.first.time, 10, 0.002) })
        #expect(frames.allSatisfy { $0.x == left })
        // Stroke 2 starts one stroke and one return in, at the bottom; 5 s later it is
        // half way up.
        #expect(timeline.frame(at: info.start + 10 + back).y == 0.02)
        #expect(F.near(timeline.frame(at: info.start + 15 + back).y, 0.5))
    }

    @Test func effleurageFitsAWrittenDuration() throws {
        // 60 s with 8 s strokes: 5 strokes fit (57 s before the relax); their returns
        // need `back` (over 4 s), so each stroke gets (57 − 4 × back) / 5.
        let back = try Self.returnTime(pressure: 0.3, intensity: 0.35, bothSides: false)
        let timeline = try F.compile(F.step(.effleurage, .init(
            duration: 60, from: .zone(.lowerRibs, .left), to: .zone(.neckBase, .left))))
        #expect(F.near(timeline.steps[0].duration, 60, 1e-9))
        let strokes = F.risingRuns(F.frames(of: 0, in: timeline), \.y)
        #expect(strokes.count == 5)
        #expect(strokes.allSatisfy { F.near($0.last.time - $0.first.time, (57 - 4 * back) / 5, 0.002) })

        // With `strokes` written, the stroke stretches to fit: (57 − 3 × back) / 4.
        let four = try F.compile(F.step(.effleurage, .init(
            duration: 60, from: .zone(.lowerRibs, .left), to: .zone(.neckBase, .left), strokes: 4)))
        #expect(F.near(four.steps[0].duration, 60, 1e-9))
        let longer = F.risingRuns(F.frames(of: 0, in: four), \.y)
        #expect(longer.count == 4)
        #expect(longer.allSatisfy { F.near($0.last.time - $0.first.time, (57 - 3 * back) / 4, 0.002) })
    }

    @Test func warmUpSweepsGentlyUpBothLines() throws {
        let timeline = try F.compile(F.step(.warmUp))
        let info = timeline.steps[0]
        #expect(F.near(info.duration, 90, 1e-9))
        let frames = F.frames(of: 0, in: timeline)
        let sweeps = F.risingRuns(frames, \.y)
        // 87 s before the relax at 10 s strokes: 6 sweeps, sharing what the 5 returns leave.
        let back = try Self.returnTime(pressure: 0.3, intensity: 0.2, bothSides: true)
        #expect(sweeps.count == 6)
        #expect(sweeps.allSatisfy { F.near($0.last.time - $0.first.time, (87 - 5 * back) / 6, 0.002) })
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

    // MARK: Returns read as a therapist would (issue 9)

    /// Frames as `knead render` gives them: compiled, sampled at 100 Hz, enveloped.
    static func rendered(_ steps: Step..., device: DeviceProfile = .chair) throws -> [Frame] {
        let pattern = Pattern(name: "test", items: steps.map { .step($0) })
        let envelope = SafetyEnvelope(limits: SafetyLimits.resolve(device: device))
        return try Compiler.compile(pattern, device: device).frames(rate: 100).map { envelope.admit($0).frame }
    }

    /// Return frames of one technique: where the head comes back down, or moves across.
    static func returnFrames(_ frames: [Frame], _ technique: Technique) -> [Frame] {
        let own = frames.filter { $0.technique == technique }
        return zip(own, own.dropFirst()).filter { $1.y < $0.y - 1e-9 || abs($1.x - $0.x) > 1e-9 }.map(\.1)
    }

    static let strokeCases: [(Technique, StepParameters)] = [
        (.effleurage, .init()),
        (.warmUp, .init()),
        (.deepTissue, .init(strokes: 5)),
        (.deepTissue, .init(zone: .zone(.rhomboids, .left), strokes: 3)),
    ]

    @Test(arguments: 0..<4, ["chair", "handheld"])
    func returnsAreLightNeverFirmAndBesideTheSpine(_ index: Int, _ deviceName: String) throws {
        let (technique, parameters) = Self.strokeCases[index]
        let device: DeviceProfile = deviceName == "chair" ? .chair : .handheld
        let frames = try Self.rendered(F.step(.warmUp), F.step(technique, parameters), device: device)
        let own = frames.filter { $0.technique == technique }
        let strokePressure = try #require(own.map(\.pressure).max())
        let returns = Self.returnFrames(frames, technique)
        #expect(returns.count > 100)
        // Light: at most a quarter of the stroke's pressure, never firm.
        #expect(returns.allSatisfy { $0.pressure <= 0.25 * strokePressure + 1e-9 && $0.pressure < firmPressureThreshold },
                "\(technique) on \(deviceName): return pressure up to \(returns.map(\.pressure).max()!) of \(strokePressure)")
        // Lateral: nothing pressing in the spine band on the way back.
        #expect(returns.allSatisfy { !Anatomy.isOnSpineLine($0.position) || $0.pressure == 0 })
    }

    @Test func deepTissueReturnsComeBackDownTheirOwnSide() throws {
        let frames = try Self.rendered(F.step(.warmUp), F.step(.deepTissue, .init(strokes: 4)))
        let own = frames.filter { $0.technique == .deepTissue }
        // Coming down (y falling), the head stays on one side of the spine: never over it.
        let down = zip(own, own.dropFirst()).filter { $1.y < $0.y - 1e-9 }.map(\.1)
        #expect(!down.isEmpty)
        #expect(down.allSatisfy { abs($0.x - 0.5) >= Anatomy.spineHalfWidth })
        // Moving across between sides: lifted off while over the spine.
        let across = own.filter { Anatomy.isOnSpineLine($0.position) }
        #expect(!across.isEmpty)
        #expect(across.allSatisfy { $0.pressure == 0 })
    }

    /// The spine band's rule on whole sessions, travel between steps included: no frame
    /// in the band above `relievedPressure`, on either device.
    @Test(arguments: ["chair", "handheld"])
    func noRenderedFrameInTheSpineBandAboveTheCap(_ deviceName: String) throws {
        let device: DeviceProfile = deviceName == "chair" ? .chair : .handheld
        let frames = try Self.rendered(
            F.step(.warmUp), F.step(.effleurage),
            F.step(.deepTissue, .init(zone: .zone(.rhomboids, .left), strokes: 2)),
            F.step(.triggerPoint, .init(at: Target(name: "upper-trapezius-right"))),
            F.step(.deepTissue, .init(from: F.point(0.3, 0.1), to: F.point(0.7, 0.9), strokes: 3)),
            F.step(.shiatsu, .init(duration: 60)),
            F.step(.petrissage, .init(zone: .zone(.rhomboids, .both))),
            device: device)
        let band = frames.filter { Anatomy.isOnSpineLine($0.position) }
        #expect(!band.isEmpty)
        #expect(band.allSatisfy { $0.pressure <= SafetyLimits.relievedPressure },
                "up to \(band.map(\.pressure).max() ?? 0) in the band")
    }
}
