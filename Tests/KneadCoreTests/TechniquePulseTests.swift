import Testing
@testable import KneadCore

/// Tapping and vibration: pulses at a rate, moving over the zone.
@Suite struct TechniquePulseTests {
    typealias F = CompilerFixture

    @Test(arguments: [
        (rate: 6.0, duration: 30.0, zone: Target.zone(.upperTrapezius, .left), taps: 180),
        (rate: 4.5, duration: 20.0, zone: Target.zone(.rhomboids, .right), taps: 90),
        (rate: 6.0, duration: 30.0, zone: Target.zone(.upperTrapezius, .both), taps: 360), // per side
        (rate: 3.0, duration: 10.0, zone: Target.point(BackPoint(x: 0.3, y: 0.8)), taps: 30),
    ])
    func tappingPulseCountIsRateTimesDuration(rate: Double, duration: Double, zone: Target, taps: Int) throws {
        let timeline = try F.compile(F.step(.tapping, .init(duration: duration, zone: zone, rate: rate)),
                                     device: F.fastChair)
        let frames = F.frames(of: 0, in: timeline)
        let count = zone.sides.map { side in
            F.localMaxima(frames.filter { $0.target == side && $0.technique == .tapping }.map(\.intensity)).count
        }.reduce(0, +)
        #expect(count == taps)
        // Each tap rises from nothing and falls back to it.
        let s = timeline.steps[0].start
        let between = s + 18 / rate // a whole number of taps in
        #expect(timeline.frame(at: between).intensity < 1e-12)
        #expect(F.near(timeline.frame(at: between + 0.5 / rate).intensity, 0.5, 1e-9))
    }

    @Test func chairTapsRideOnASteadyLevelItsSlewAllows() throws {
        // A chair without its own tapping mechanism: the frames sample the taps.
        var chair = DeviceProfile.chair
        chair.percussion = nil
        let timeline = try F.compile(F.step(.tapping, .init(duration: 30, zone: .zone(.upperTrapezius, .left))),
                                     device: chair)
        let s = timeline.steps[0].start
        // Depth: ¾ × 2.0/s ÷ (0.5 × π × 6 Hz) = 0.5/π.
        let depth = 0.5 / Double.pi
        #expect(F.near(timeline.frame(at: s + 12).intensity, 0.5 * (1 - depth), 1e-9))
        #expect(F.near(timeline.frame(at: s + 12 + 1.0 / 12).intensity, 0.5, 1e-9))
        let middle = F.frames(of: 0, in: timeline).filter { $0.time > s + 5 && $0.time < s + 25 }
        let peaks = F.localMaxima(middle.map(\.intensity)).map { middle[$0].time }
        #expect(peaks.count == 120)
        for (a, b) in zip(peaks, peaks.dropFirst()) { #expect(F.near(b - a, 1.0 / 6, 2e-3)) }
    }

    @Test func tappingMovesOverTheZoneAndReturnsToItsCentre() throws {
        let timeline = try F.compile(F.step(.tapping, .init(duration: 30, zone: .zone(.upperTrapezius, .left))))
        let region = Target.zone(.upperTrapezius, .left).region
        let frames = F.frames(of: 0, in: timeline)
        let xs = frames.map(\.x), ys = frames.map(\.y)
        // 70 % of the zone's half-width and half-height each way.
        #expect(xs.max()! - xs.min()! > region.halfWidth)
        #expect(ys.max()! - ys.min()! > region.halfHeight)
        #expect(xs.allSatisfy { abs($0 - region.center.x) <= 0.7 * region.halfWidth + 1e-12 })
        #expect(ys.allSatisfy { abs($0 - region.center.y) <= 0.7 * region.halfHeight + 1e-12 })
        let s = timeline.steps[0].start
        #expect(timeline.frame(at: s).position == region.center)
    }

    @Test func vibrationIsContinuousUnlessARateIsGiven() throws {
        let steady = try F.compile(F.step(.vibration, .init(duration: 20, zone: .zone(.rhomboids, .left))))
        let s = steady.steps[0].start
        let middle = F.frames(of: 0, in: steady).filter { $0.time > s + 2 && $0.time < s + 18 }
        #expect(middle.allSatisfy { $0.intensity == 0.5 && $0.pressure == 0 })
        #expect(steady.steps[0].peakPressure == 0)

        let pulsing = try F.compile(F.step(.vibration, .init(duration: 20, zone: .zone(.rhomboids, .left), rate: 1.5)))
        let p = pulsing.steps[0].start
        let waves = F.frames(of: 0, in: pulsing).filter { $0.time > p + 2 && $0.time < p + 18 }
        let peaks = F.localMaxima(waves.map(\.intensity)).map { waves[$0].time }
        #expect(peaks.count == 24)
        for (a, b) in zip(peaks, peaks.dropFirst()) { #expect(F.near(b - a, 1 / 1.5, 2e-3)) }
        // Pulsing between half and full (depth 0.5: 0.5 × 0.5 × π × 1.5 Hz is within ¾ of 2.0/s).
        #expect(F.near(pulsing.frame(at: p + 10).intensity, 0.25, 1e-9))
        #expect(F.near(pulsing.frame(at: p + 10 + 1.0 / 3).intensity, 0.5, 1e-9))
    }
}
