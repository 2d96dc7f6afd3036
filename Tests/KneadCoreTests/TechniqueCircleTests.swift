import Testing
@testable import KneadCore

/// Petrissage and friction: small circles, compression, per-side timing, breaks.
@Suite struct TechniqueCircleTests {
    typealias F = CompilerFixture
    static let spot = BackPoint(x: 0.4, y: 0.6)

    @Test func petrissageCirclesAtItsPeriod() throws {
        let timeline = try F.compile(F.step(.petrissage, .init(duration: 60, zone: .point(Self.spot), circle: 1.5)))
        let info = timeline.steps[0]
        #expect(info.duration == 60)
        let frames = F.frames(of: 0, in: timeline)
        // x − 0.4 ∝ cos(2πτ/1.5): it crosses zero at τ = 0.375 + 0.75k, 80 times in 60 s.
        let xs = F.zeroCrossings(frames) { $0.x - Self.spot.x }
        #expect(xs.count == 80)
        #expect(F.near(xs[0] - info.start, 0.375, 1e-3))
        for (a, b) in zip(xs, xs.dropFirst()) { #expect(F.near(b - a, 0.75, 1e-3)) }
        // y − 0.6 ∝ sin: crosses at τ = 0.75k inside the step, 79 times.
        #expect(F.zeroCrossings(frames) { $0.y - Self.spot.y }.count == 79)
    }

    @Test func petrissageRadiusAndCompressionByHand() throws {
        let timeline = try F.compile(F.step(.petrissage, .init(duration: 60, zone: .point(Self.spot), circle: 1.5)))
        let s = timeline.steps[0].start
        // The chair's 120 mm/s: a 1.5 s circle may use half of it, so the radius is
        // 0.5 × 120 / (2π/1.5) = 45/π mm (less than the 15 mm wanted), scaled by the
        // 400 mm back width and 320 mm shoulder height.
        let radius = 45 / Double.pi
        let start = timeline.frame(at: s + 30) // 20 whole circles: at angle 0, released
        #expect(F.near(start.x, 0.4 + radius / 400, 1e-9) && F.near(start.y, 0.6, 1e-9))
        #expect(F.near(start.pressure, 0.5 * (1 - 0.5), 1e-9))
        #expect(start.intensity == 0.5)
        let half = timeline.frame(at: s + 30.75) // half a circle on: opposite, compressed
        #expect(F.near(half.x, 0.4 - radius / 400, 1e-9) && F.near(half.y, 0.6, 1e-9))
        #expect(F.near(half.pressure, 0.5, 1e-9))
        let quarter = timeline.frame(at: s + 30.375)
        #expect(F.near(quarter.x, 0.4, 1e-9) && F.near(quarter.y, 0.6 + radius / 320, 1e-9))
        #expect(F.near(quarter.pressure, 0.5 * 0.75, 1e-9))
    }

    @Test func petrissageCompressesOncePerCircle() throws {
        let timeline = try F.compile(F.step(.petrissage, .init(duration: 30, zone: .point(Self.spot), circle: 2)))
        let s = timeline.steps[0].start
        let middle = F.frames(of: 0, in: timeline).filter { $0.time > s + 5 && $0.time < s + 25 }
        let peaks = F.localMaxima(middle.map(\.pressure)).map { middle[$0].time }
        // Fully compressed half-way round each circle: τ = 7, 9, …, 23.
        #expect(peaks.count == 9)
        #expect(F.near(peaks[0] - s, 7, 2e-3))
        for (a, b) in zip(peaks, peaks.dropFirst()) { #expect(F.near(b - a, 2, 2e-3)) }
    }

    @Test func petrissageWorksBothSidesInTurnAndCoversTheZone() throws {
        let timeline = try F.compile(F.step(.petrissage))
        let info = timeline.steps[0]
        // Default: 2 min per area, each side an area, 1 s travel across (0.2 at 0.3/s, × 1.5).
        #expect(F.near(info.duration, 120 + 1 + 120, 1e-9))
        let frames = timeline.frames(rate: 100).filter { $0.time >= info.start && $0.time <= info.start + info.duration }
        let work = frames.filter { $0.technique == .petrissage }
        let leftFrames = work.filter { $0.target == .zone(.rhomboids, .left) }
        let rightFrames = work.filter { $0.target == .zone(.rhomboids, .right) }
        #expect(leftFrames.count + rightFrames.count == work.count)
        #expect(F.near(leftFrames.last!.time - leftFrames.first!.time, 120, 0.011))
        #expect(F.near(rightFrames.last!.time - rightFrames.first!.time, 120, 0.011))
        #expect(leftFrames.allSatisfy { $0.x < 0.5 } && rightFrames.allSatisfy { $0.x > 0.5 })
        #expect(leftFrames.last!.time < rightFrames.first!.time)
        let between = frames.filter { $0.technique == .travel }
        #expect(!between.isEmpty && between.allSatisfy { $0.intensity == 0 && $0.target == .zone(.rhomboids, .right) })
        // The centre wanders over 60 % of the zone (half-height 0.13), plus the circle.
        let region = Target.zone(.rhomboids, .left).region
        let reach = 0.6 * region.halfHeight + (45 / Double.pi) / 320
        let ys = leftFrames.map(\.y)
        #expect(ys.max()! - ys.min()! > region.halfHeight)
        #expect(ys.allSatisfy { abs($0 - region.center.y) <= reach + 1e-9 })
    }

    @Test func frictionWorksEachAreaForItsDurationWithBreaks() throws {
        let timeline = try F.compile(F.step(.friction))
        let info = timeline.steps[0]
        // 2 min per area, a 10 s break, 1 s across, 2 min.
        #expect(F.near(info.duration, 120 + 10 + 1 + 120, 1e-9))
        let s = info.start
        let pause = timeline.frames(rate: 100).filter { $0.technique == .rest && $0.step == 0 }
        #expect(F.near(pause.first!.time, s + 120, 0.01) && F.near(pause.last!.time, s + 130, 0.01))
        let leftCentre = Target.zone(.rhomboids, .left).region.center
        #expect(pause.allSatisfy { $0.intensity == 0 && $0.pressure == 0 && $0.position == leftCentre })
        #expect(pause.allSatisfy { $0.target == .zone(.rhomboids, .left) })
        // Steady pressure while circling.
        #expect(timeline.frame(at: s + 60.1).pressure == 0.5)
        #expect(timeline.frame(at: s + 191.3).pressure == 0.5)
    }

    @Test func frictionCirclesAreSmallAndSteadyOnOneSpot() throws {
        let timeline = try F.compile(F.step(.friction, .init(duration: 30, zone: .zone(.teres, .left), circle: 0.8)))
        let centre = Target.zone(.teres, .left).region.center
        let frames = F.frames(of: 0, in: timeline)
        // 5 mm wanted; the chair's 600 mm/s² allows 0.5 × 600 / (2π/0.8)² mm.
        let omega = 2 * Double.pi / 0.8
        let radius = 0.5 * 600 / (omega * omega)
        let distances = frames.map { BodyProfile.default.millimetres(from: centre, to: $0.position) }
        #expect(distances.allSatisfy { $0 <= radius + 1e-9 })
        #expect(distances.max()! > radius - 1e-6)
        let s = timeline.steps[0].start
        let crossings = F.zeroCrossings(frames.filter { $0.time > s + 3 && $0.time < s + 27 }) { $0.x - centre.x }
        for (a, b) in zip(crossings, crossings.dropFirst()) { #expect(F.near(b - a, 0.4, 1e-3)) }
        let middle = frames.filter { $0.time > s + 5 && $0.time < s + 25 }
        #expect(middle.allSatisfy { $0.pressure == 0.5 && $0.intensity == 0.5 })
    }
}
