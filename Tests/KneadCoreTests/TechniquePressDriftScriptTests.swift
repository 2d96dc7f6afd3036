import Testing
@testable import KneadCore

/// Shiatsu, myofascial release, script and rest.
@Suite struct TechniquePressDriftScriptTests {
    typealias F = CompilerFixture
    let left = Anatomy.paraspinalX, right = 1 - Anatomy.paraspinalX

    @Test func shiatsuPressesPointsUpTheLeftLineAndDownTheRight() throws {
        // duration is per area: 1 min on each side.
        let timeline = try F.compile(F.step(.shiatsu, .init(duration: 60)), device: F.fastChair)
        let info = timeline.steps[0]
        let frames = F.frames(of: 0, in: timeline)
        // 1 min a side at 0.5 Hz: 30 presses a side, each 2 s.
        let leftPresses = F.localMaxima(frames.filter { $0.target == .zone(.paraspinal, .left) }.map(\.pressure))
        let rightPresses = F.localMaxima(frames.filter {
            $0.target == .zone(.paraspinal, .right) && $0.technique == .shiatsu
        }.map(\.pressure))
        #expect(leftPresses.count == 30 && rightPresses.count == 30)
        // Press j peaks at 2j + 0.6 + 0.7 s on point j: y from 0.02 to 0.98 in 29 steps
        // (the last press is in the side's closing ramp).
        for j in 0..<29 {
            let peak = timeline.frame(at: info.start + 2 * Double(j) + 1.3)
            #expect(peak.x == left)
            #expect(F.near(peak.y, 0.02 + 0.96 * Double(j) / 29, 1e-9))
            #expect(F.near(peak.pressure, 0.65, 1e-9) && F.near(peak.intensity, 0.5, 1e-9))
        }
        // Between presses it lets go to 20 % while stepping to the next point.
        let stepping = timeline.frame(at: info.start + 10 + 0.3)
        #expect(F.near(stepping.pressure, 0.65 * 0.2, 1e-9))
        #expect(F.near(stepping.y, 0.02 + 0.96 * 4.5 / 29, 1e-9))
        // The right line is worked downwards, starting at the neck base.
        let rightStart = try #require(frames.first { $0.target == .zone(.paraspinal, .right) && $0.technique == .shiatsu })
        #expect(rightStart.x == right && rightStart.y > 0.98 - 1e-3)
        // (The paraspinal zone reaches from 0.50 − 0.48 to 0.50 + 0.48.)
        #expect(frames.last?.x == right && frames.last?.y == 0.5 - 0.48)
    }

    @Test func shiatsuOnTheChairPressesAsDeepAsItsPressureSlewAllows() throws {
        let timeline = try F.compile(F.step(.shiatsu, .init(duration: 60, zone: .zone(.paraspinal, .left))))
        let s = timeline.steps[0].start
        // ¾ × 1.0/s ÷ (0.65 × π / 1.4 s) = 1.05 / (0.65π).
        let depth = 1.05 / (0.65 * Double.pi)
        #expect(F.near(timeline.frame(at: s + 20 + 1.3).pressure, 0.65, 1e-9))
        #expect(F.near(timeline.frame(at: s + 20).pressure, 0.65 * (1 - depth), 1e-9))
    }

    @Test func shiatsuFromToPressesAlongThatLineOnEachSide() throws {
        let timeline = try F.compile(F.step(.shiatsu, .init(
            duration: 20, from: .zone(.lowerRibs, .both), to: .zone(.rhomboids, .both), rate: 0.5)))
        let info = timeline.steps[0]
        #expect(info.target == .zone(.lowerRibs, .both))
        // 10 presses a side from (0.44, 0.02) to the rhomboid's centre (0.40, 0.62).
        let first = timeline.frame(at: info.start + 1.3)
        #expect(first.x == left && first.y == 0.02)
        let last = timeline.frame(at: info.start + 18 + 1.3)
        #expect(F.near(last.x, 0.40, 1e-12) && F.near(last.y, 0.62, 1e-12))
        let frames = F.frames(of: 0, in: timeline)
        #expect(frames.contains { $0.target == .zone(.lowerRibs, .right) })
        #expect(frames.filter { $0.target == .zone(.lowerRibs, .right) && $0.technique == .shiatsu }
            .allSatisfy { $0.x >= 0.56 - 1e-12 })
    }

    @Test func myofascialDriftsSlowlyAndHoldsItsLevels() throws {
        let centre = BackPoint(x: 0.3, y: 0.9)
        let timeline = try F.compile(F.step(.myofascial, .init(duration: 60, zone: .point(centre))))
        let s = timeline.steps[0].start
        // Half-way: 12 mm up the fibres (on a 320 mm back), back on the centre line.
        let middle = timeline.frame(at: s + 30)
        #expect(F.near(middle.x, 0.3, 1e-9) && F.near(middle.y, 0.9 + 12.0 / 320, 1e-9))
        #expect(middle.intensity == 0.25 && middle.pressure == 0.4)
        let frames = F.frames(of: 0, in: timeline)
        let reach = frames.map { BodyProfile.default.millimetres(from: centre, to: $0.position) }.max()!
        #expect(reach <= 12.7 && reach >= 12 - 1e-6)
        var fastest = 0.0
        for (a, b) in zip(frames, frames.dropFirst()) {
            fastest = max(fastest, BodyProfile.default.millimetres(from: a.position, to: b.position) * 1000)
        }
        #expect(fastest < 2) // mm/s: almost still
    }

    static let wave = ScriptTrack(
        path: "wave.funscript",
        points: [.init(time: 0, position: 0), .init(time: 1, position: 1), .init(time: 2, position: 0.5)],
        intensity: [.init(time: 0, position: 0.2), .init(time: 2, position: 1)])

    @Test func scriptDrivesYAlongTheZone() throws {
        let timeline = try F.compile(F.step(.script, .init(intensity: 0.5, zone: .zone(.paraspinal, .left), script: Self.wave)))
        let info = timeline.steps[0]
        #expect(info.duration == 2)
        #expect(info.peakIntensity == 0.5)
        let s = info.start
        // At 1 s the recorded position is 1: the top of the line.
        let top = timeline.frame(at: s + 1)
        #expect(top.x == left && F.near(top.y, 0.98, 1e-9))
        // Half-way between the first two points, eased: 0.5 → y 0.5.
        #expect(F.near(timeline.frame(at: s + 0.5).y, 0.5, 1e-9))
        // Intensity follows the companion track (0.6 at 1 s) scaled by the written 0.5;
        // the 2 s step ramps in over its first second.
        #expect(F.near(top.intensity, 0.5 * 0.6, 1e-9))
        #expect(F.near(timeline.frame(at: s + 2).y, 0.02 + 0.96 * 0.5, 1e-9))
    }

    @Test func scriptPlaysOnEachSideAndHoldsItsLastPosition() throws {
        let still = ScriptTrack(path: "up.funscript", points: [.init(time: 0, position: 0), .init(time: 4, position: 1)])
        let timeline = try F.compile(F.step(.script, .init(duration: 20, script: still)))
        let frames = F.frames(of: 0, in: timeline)
        let leftFrames = frames.filter { $0.target == .zone(.paraspinal, .left) && $0.technique == .script }
        let rightFrames = frames.filter { $0.target == .zone(.paraspinal, .right) && $0.technique == .script }
        #expect(leftFrames.allSatisfy { $0.x == left } && rightFrames.allSatisfy { $0.x == right })
        #expect(F.near(leftFrames.last!.time - leftFrames.first!.time, 10, 0.0011))
        // 4 s of movement, then held at the top until the side's 10 s are up.
        let s = timeline.steps[0].start
        #expect(timeline.frame(at: s + 7).y == 0.98)
        #expect(timeline.frame(at: s + 7).intensity == 0.5)
    }

    @Test func restHoldsStillAtZeroWithItsHeat() throws {
        let timeline = try F.compile(
            F.step(.friction, .init(duration: 20, zone: .zone(.teres, .left))),
            F.step(.rest, .init(duration: 8, heat: 0.2)))
        let rest = timeline.steps[1]
        #expect(rest.duration == 8 && rest.peakIntensity == 0 && rest.peakPressure == 0)
        let centre = Target.zone(.teres, .left).region.center
        #expect(rest.target == .point(centre))
        let frames = F.frames(of: 1, in: timeline)
        #expect(frames.allSatisfy { $0.intensity == 0 && $0.pressure == 0 && $0.position == centre })
        #expect(frames.allSatisfy { $0.technique == .rest })
        // Heat 0.2 eases in over 1.5 s (1.5 × 0.2 / 0.2 slew) and stays.
        #expect(frames.filter { $0.time >= rest.start + 1.5 + 1e-9 }.allSatisfy { $0.heat == 0.2 })
    }
}
