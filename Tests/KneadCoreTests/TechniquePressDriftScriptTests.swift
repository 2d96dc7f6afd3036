import Testing
@testable import KneadCore

/// Shiatsu, myofascial release, script and rest.
@Suite struct TechniquePressDriftScriptTests {
    typealias F = CompilerFixture
    let left = Anatomy.paraspinalX, right = 1 - Anatomy.paraspinalX

    /// Frames as `knead render` gives them: compiled for the device, sampled at 100 Hz,
    /// through the safety envelope.
    static func rendered(_ steps: Step..., device: DeviceProfile = .chair,
                         body: BodyProfile = .default) throws -> [Frame] {
        let pattern = Pattern(name: "test", items: steps.map { .step($0) })
        let envelope = SafetyEnvelope(limits: SafetyLimits.resolve(device: device, body: body))
        return try Compiler.compile(pattern, device: device, body: body).frames(rate: 100).map { envelope.admit($0).frame }
    }

    /// Presses as a therapist counts them: runs of shiatsu frames above half the peak
    /// pressure, with where each was held.
    static func presses(_ frames: [Frame], peak: Double) -> [(start: Double, end: Double, at: BackPoint)] {
        var out: [(start: Double, end: Double, at: BackPoint)] = []
        var open: (Double, BackPoint)?
        for f in frames where f.technique == .shiatsu {
            let pressing = f.pressure > peak / 2
            if pressing, open == nil { open = (f.time, f.position) }
            if !pressing, let o = open { out.append((o.0, f.time, o.1)); open = nil }
        }
        if let o = open, let last = frames.last { out.append((o.0, last.time, o.1)) }
        return out
    }

    @Test func shiatsuPressesAreSustainedAVertebraApartWithAFullRelease() throws {
        // 2 min on the left paraspinal line (y 0.02 → 0.98, 307 mm) on the chair.
        let frames = try Self.rendered(F.step(.warmUp), F.step(.shiatsu, .init(duration: 120, zone: .zone(.paraspinal, .left))))
        let presses = Self.presses(frames, peak: 0.65)
        // 13 points 25 mm apart (a vertebra), one pass up the line.
        #expect(presses.count == 13)
        for (a, b) in zip(presses, presses.dropFirst()) {
            #expect(F.near(BodyProfile.default.millimetres(from: a.at, to: b.at), 25, 1e-6))
            #expect(b.at.y > a.at.y && a.at.x == left)
            // A full release between points: pressure and intensity back to 0.
            let between = frames.filter { $0.time > a.end && $0.time < b.start }
            #expect(between.contains { $0.pressure == 0 && $0.intensity == 0 })
            // The head moves only while nothing presses.
            #expect(frames.filter { $0.time >= b.start && $0.time < b.end }.allSatisfy { $0.position == b.at })
        }
        // Each press sustained: 120 s / 13 = 9.2 s a cycle, 1 s of it to move and the
        // press at most 7 s (PressPlan.longestPress), the rest released: above half
        // pressure for over 5.5 s, firm for over 5 s.
        #expect(presses.allSatisfy { $0.end - $0.start > 5.5 && $0.end - $0.start < 7 })
        let firm = frames.filter { $0.technique == .shiatsu && $0.pressure >= firmPressureThreshold }.count
        #expect(Double(firm) / 100 > 13 * 5)
    }

    @Test func aLongerShiatsuAddsPassesNotPoints() throws {
        let two = Self.presses(try Self.rendered(F.step(.warmUp), F.step(.shiatsu, .init(
            duration: 120, zone: .zone(.paraspinal, .left)))), peak: 0.65)
        let six = Self.presses(try Self.rendered(F.step(.warmUp), F.step(.shiatsu, .init(
            duration: 360, zone: .zone(.paraspinal, .left)))), peak: 0.65)
        // 6 min: ⌊360 / (13 × 6 s)⌋ = 4 passes (up, down, up, down) over the same 13
        // points, 25 mm apart, in cycles of 360 / 52 = 6.9 s.
        #expect(six.count == 52)
        let points = Set(two.map { ($0.at.y * 1e6).rounded() })
        #expect(Set(six.map { ($0.at.y * 1e6).rounded() }) == points)
        #expect(six[13].at == six[12].at && six[14].at.y < six[13].at.y)
        // Presses no shorter than in one pass of the nominal cycle.
        #expect(six.allSatisfy { $0.end - $0.start > 4 })
    }

    @Test func shiatsuSpacingScalesWithTheBody() throws {
        let tall = BodyProfile(shoulderHeight: 400, backWidth: 500)
        let frames = try Self.rendered(F.step(.warmUp), F.step(.shiatsu, .init(duration: 120, zone: .zone(.paraspinal, .left))),
                                       body: tall)
        let presses = Self.presses(frames, peak: 0.65)
        #expect(presses.count == 13)
        for (a, b) in zip(presses, presses.dropFirst()) {
            #expect(F.near(tall.millimetres(from: a.at, to: b.at), 25 * 400 / 320, 1e-6))
        }
    }

    @Test func shiatsuOnBothSidesPressesUpTheLeftLineAndDownTheRight() throws {
        let timeline = try F.compile(F.step(.shiatsu), device: F.fastChair)
        let frames = F.frames(of: 0, in: timeline, rate: 100)
        let leftPresses = Self.presses(frames.filter { $0.target == .zone(.paraspinal, .left) }, peak: 0.65)
        let rightPresses = Self.presses(frames.filter { $0.target == .zone(.paraspinal, .right) }, peak: 0.65)
        // 60 s a side: one pass of the 13 points each.
        #expect(leftPresses.count == 13 && rightPresses.count == 13)
        #expect(leftPresses.allSatisfy { $0.at.x == left } && rightPresses.allSatisfy { $0.at.x == right })
        #expect(leftPresses.first!.at.y < leftPresses.last!.at.y)
        #expect(rightPresses.first!.at.y > rightPresses.last!.at.y)
        #expect(frames.allSatisfy { !Anatomy.isOnSpineLine($0.position) || $0.pressure == 0 })
    }

    @Test func shiatsuFromToPressesAlongThatLineOnEachSide() throws {
        let timeline = try F.compile(F.step(.shiatsu, .init(
            duration: 80, from: .zone(.lowerRibs, .both), to: .zone(.rhomboids, .both))))
        let info = timeline.steps[0]
        #expect(info.target == .zone(.lowerRibs, .both))
        let frames = F.frames(of: 0, in: timeline, rate: 100)
        // From (0.44, 0.02) to the rhomboid's centre (0.40, 0.62): 193 mm, 8 points 25 mm apart.
        let leftPresses = Self.presses(frames.filter { $0.target == .zone(.lowerRibs, .left) }, peak: 0.65)
        #expect(leftPresses.count == 8)
        #expect(leftPresses.allSatisfy { $0.at.x <= 0.44 + 1e-12 && $0.at.x >= 0.40 - 1e-12 })
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
