import Testing
@testable import KneadCore

/// The timeline as a whole: where it starts and ends, sampling, determinism,
/// memory, travel between steps, heat, and the errors the compiler reports.
@Suite struct CompilerTimelineTests {
    typealias F = CompilerFixture

    /// A session with one of every technique but script, some with heat.
    static let everything = Pattern(name: "everything", items: [
        .step(F.step(.warmUp)),
        .step(F.step(.effleurage)),
        .step(F.step(.petrissage, .init(heat: 0.5))),
        .step(F.step(.triggerPoint, .init(at: .zone(.upperTrapezius, .left)))),
        .repeat(count: 2, items: [
            .step(F.step(.tapping)),
            .step(F.step(.rest)),
        ], location: SourceLocation(line: 9, column: 5)),
        .step(F.step(.shiatsu, .init(heat: 0.3))),
        .step(F.step(.myofascial)),
        .step(F.step(.friction)),
        .step(F.step(.deepTissue)),
        .step(F.step(.vibration, .init(rate: 2, heat: 0.8))),
    ])

    @Test func sessionStartsAtRestAndZero() throws {
        let timeline = try Compiler.compile(Self.everything)
        let first = timeline.frame(at: 0)
        // Hand-computed: the head is parked at the rest position and nothing is on;
        // the first thing that happens is the travel to the warm-up's first line.
        #expect(first == Frame(time: 0, intensity: 0, x: 0.5, y: 0.5, pressure: 0, heat: 0,
                               technique: .travel, target: .zone(.paraspinal, .both), step: -1))
        #expect(Array(timeline.frames(rate: 10).prefix(1)) == [first])
    }

    @Test func sessionEndsAtZeroAtRest() throws {
        let timeline = try Compiler.compile(Self.everything)
        // The last second is the final settle: exact zeros whatever the rate.
        for rate in [1.0, 7.0, 100.0, 1000.0, 2000.0] {
            let last = try #require(Array(timeline.frames(rate: rate)).last)
            #expect(last.intensity == 0 && last.pressure == 0 && last.heat == 0)
            #expect(last.position == .restPosition)
            #expect(last.technique == .rest && last.step == -1)
            #expect(timeline.duration - last.time < 1 / rate + 1e-9)
        }
        let end = timeline.frame(at: timeline.duration)
        #expect(end == Frame.zero(at: timeline.duration))
    }

    @Test func outsideTheSessionIsZero() throws {
        let timeline = try Compiler.compile(Self.everything)
        for t in [-1000.0, -1e-9, timeline.duration + 1e-9, timeline.duration + 5, .infinity, -.infinity] {
            #expect(timeline.frame(at: t) == Frame.zero(at: t))
        }
        let nan = timeline.frame(at: .nan)
        #expect(nan.intensity == 0 && nan.pressure == 0 && nan.heat == 0 && nan.step == -1)
    }

    @Test func frameAtAgreesWithTheIterator() throws {
        let timeline = try Compiler.compile(Self.everything)
        var checked = 0
        for (i, frame) in timeline.frames(rate: 50).enumerated() where i % 7 == 0 {
            #expect(timeline.frame(at: frame.time) == frame)
            checked += 1
        }
        #expect(checked > 1000)
    }

    @Test func frameTimesAreIndexOverRate() throws {
        let timeline = try F.compile(F.step(.rest, .init(duration: 3)))
        let times = timeline.frames(rate: 1000).map(\.time)
        #expect(times.count == Int((timeline.duration * 1000).rounded(.down)) + 1)
        #expect(times[1500] == 1.5)
        #expect(times.enumerated().allSatisfy { $0.element == Double($0.offset) / 1000 })
    }

    @Test func badRatesGiveNoFrames() throws {
        let timeline = try F.compile(F.step(.rest))
        for rate in [0.0, -5, .nan, .infinity] {
            #expect(Array(timeline.frames(rate: rate)).isEmpty)
        }
    }

    @Test func sameInputSameBits() throws {
        let a = try Compiler.compile(Self.everything)
        let b = try Compiler.compile(Self.everything)
        #expect(a.duration.bitPattern == b.duration.bitPattern)
        #expect(a.steps == b.steps)
        var count = 0
        for (x, y) in zip(a.frames(rate: 200), b.frames(rate: 200)) {
            let bitsX = [x.time, x.intensity, x.x, x.y, x.pressure, x.heat].map(\.bitPattern)
            let bitsY = [y.time, y.intensity, y.x, y.y, y.pressure, y.heat].map(\.bitPattern)
            #expect(bitsX == bitsY)
            #expect(x.technique == y.technique && x.target == y.target && x.step == y.step)
            count += 1
        }
        #expect(count == Int((a.duration * 200).rounded(.down)) + 1)
    }

    @Test func memoryDoesNotGrowWithLengthOrRate() throws {
        // 2 hours: 120 passes of a one-minute block.
        let block: [PatternItem] = [
            .step(F.step(.petrissage, .init(duration: 50, zone: .zone(.rhomboids, .left)))),
            .step(F.step(.rest, .init(duration: 10))),
        ]
        let long = try Compiler.compile(Pattern(name: "long", items: [.repeat(count: 120, items: block, location: .unknown)]))
        let short = try Compiler.compile(Pattern(name: "short", items: [.repeat(count: 2, items: block, location: .unknown)]))
        #expect(long.duration > 2 * 3600)
        // The timeline holds one segment per piece of work (plus travel), no matter how
        // long each lasts or the rate it is sampled at: 2 per pass + start travel,
        // final travel and settle.
        #expect(long.segmentCount == 120 * 2 + 3)
        #expect(short.segmentCount == 2 * 2 + 3)
        // The iterator is a fixed handful of words (array references, rate, counters)
        // whatever the timeline.
        #expect(MemoryLayout<TimelineFrames.Iterator>.size <= 16 * MemoryLayout<Int>.size)
        var frames = long.frames(rate: 100).makeIterator()
        var count = 0
        var last: Frame?
        while let frame = frames.next() {
            count += 1
            last = frame
        }
        #expect(count == Int((long.duration * 100).rounded(.down)) + 1)
        #expect(last?.intensity == 0)
    }

    @Test func travelIsInsertedBetweenPlacesAndNeverFasterThanTheProfile() throws {
        for device in [DeviceProfile.chair, .handheld] {
            let speed = device.travelSpeed(for: .default)
            let timeline = try F.compile(
                F.step(.friction, .init(duration: 10, zone: .zone(.teres, .left))),
                F.step(.friction, .init(duration: 10, zone: .zone(.teres, .right))),
                device: device)
            let frames = Array(timeline.frames(rate: 1000))
            let travel = frames.filter { $0.technique == .travel }
            // Parked → left teres, left teres → right teres, right teres → parked.
            let targets = travel.map(\.target).reduce(into: [Target]()) { if $0.last != $1 { $0.append($1) } }
            #expect(targets == [.zone(.teres, .left), .zone(.teres, .right), .point(.restPosition)])
            #expect(travel.allSatisfy { $0.intensity == 0 && $0.pressure == 0 && $0.step == -1 })
            var fastest = 0.0
            for (a, b) in zip(frames, frames.dropFirst()) {
                fastest = max(fastest, a.position.distance(to: b.position) * 1000)
            }
            #expect(fastest <= speed * (1 + 1e-9))
            // Across the back (0.76 wide) the travel reaches the profile's speed.
            #expect(fastest >= speed * 0.999)
            // Hand-computed: teres centres at x 0.12 and 0.88, smoothstep peak speed
            // 1.5 × mean, so the crossing lasts 1.5 × 0.76 / speed.
            let crossing = timeline.steps[1].start - (timeline.steps[0].start + timeline.steps[0].duration)
            #expect(F.near(crossing, 1.5 * 0.76 / speed, 1e-9))
        }
    }

    @Test func noTravelWhenTheNextStepStartsWhereTheLastEnded() throws {
        let timeline = try F.compile(
            F.step(.petrissage, .init(duration: 20, zone: .zone(.rhomboids, .left))),
            F.step(.rest, .init(duration: 4)),
            F.step(.friction, .init(duration: 20, zone: .zone(.rhomboids, .left))))
        let steps = timeline.steps
        #expect(steps[1].start == steps[0].start + steps[0].duration)
        #expect(steps[2].start == steps[1].start + steps[1].duration)
        #expect(steps[1].target == .zone(.rhomboids, .left).region.center.asTarget)
        let restFrames = F.frames(of: 1, in: timeline)
        #expect(restFrames.allSatisfy {
            $0.intensity == 0 && $0.pressure == 0 && $0.position == Target.zone(.rhomboids, .left).region.center
        })
    }

    @Test func everyChannelStaysWithinTheChairsLimits() throws {
        try expectWithinLimits(Self.everything, device: .chair)
    }

    @Test func everyChannelStaysWithinTheHandheldsGuidance() throws {
        try expectWithinLimits(Self.everything, device: .handheld)
    }

    /// No jumps: at 1 kHz no channel moves faster than the device allows.
    func expectWithinLimits(_ pattern: Pattern, device: DeviceProfile) throws {
        let timeline = try Compiler.compile(pattern, device: device)
        let dt = 1e-3
        let intensityStep = device.intensity.maxSlew * dt
        let pressureStep = (device.pressure?.maxSlew ?? Shaping.fallbackPressureSlew) * dt
        let heatStep = (device.heat?.channel.maxSlew ?? Shaping.fallbackHeatSlew) * dt
        let mmStep = (device.position?.maxSpeed ?? BodyProfile.handGuidanceSpeed) * dt
        var worst = (intensity: 0.0, pressure: 0.0, heat: 0.0, mm: 0.0)
        var previous: Frame?
        for frame in timeline.frames(rate: 1000) {
            if let p = previous {
                worst.intensity = max(worst.intensity, abs(frame.intensity - p.intensity))
                worst.pressure = max(worst.pressure, abs(frame.pressure - p.pressure))
                worst.heat = max(worst.heat, abs(frame.heat - p.heat))
                worst.mm = max(worst.mm, BodyProfile.default.millimetres(from: p.position, to: frame.position))
            }
            previous = frame
        }
        #expect(worst.intensity <= intensityStep * (1 + 1e-9))
        #expect(worst.pressure <= pressureStep * (1 + 1e-9))
        #expect(worst.heat <= heatStep * (1 + 1e-9))
        #expect(worst.mm <= mmStep * (1 + 1e-9))
        // And something does move: the bounds are not met by standing still.
        #expect(worst.intensity > 0 && worst.pressure > 0 && worst.heat > 0 && worst.mm > 0)
    }

    @Test func heatCarriesThroughItsStepAndEasesBetween() throws {
        let timeline = try F.compile(
            F.step(.petrissage, .init(duration: 30, zone: .zone(.rhomboids, .left), heat: 0.4)),
            F.step(.myofascial, .init(duration: 30, zone: .zone(.rhomboids, .left))))
        let info = timeline.steps[0]
        // Ramp 1.5 × 0.4 / 0.2 slew = 3 s from t = 0 (the travel there takes less).
        #expect(F.near(timeline.frame(at: 1.5).heat, 0.2))
        let during = F.frames(of: 0, in: timeline).filter { $0.time >= 3 }
        #expect(!during.isEmpty && during.allSatisfy { $0.heat == 0.4 })
        // The next step starts its own ramp down at its start (no travel between).
        let next = timeline.steps[1].start
        #expect(next == info.start + info.duration)
        #expect(timeline.frame(at: next).heat == 0.4)
        #expect(F.near(timeline.frame(at: next + 1.5).heat, 0.2, 1e-12))
        #expect(timeline.frame(at: next + 3.5).heat == 0)
    }

    @Test func heatStillOnAtTheEndIsBroughtDownBeforeTheSessionEnds() throws {
        let timeline = try F.compile(F.step(.vibration, .init(duration: 10, zone: .point(.restPosition), heat: 1)))
        // Ends at the rest position already, but heat 1 needs 1.5 / 0.2 = 7.5 s to reach 0.
        let end = timeline.steps[0].start + timeline.steps[0].duration
        #expect(F.near(timeline.duration, end + 7.5 + Shaping.finalSettle, 1e-9))
        #expect(timeline.frame(at: end + 7.5).heat == 0)
    }

    @Test func stepTableListsEveryExecutedStep() throws {
        let timeline = try Compiler.compile(Self.everything)
        #expect(timeline.steps.map(\.technique) == [
            .warmUp, .effleurage, .petrissage, .triggerPoint, .tapping, .rest, .tapping, .rest,
            .shiatsu, .myofascial, .friction, .deepTissue, .vibration,
        ])
        #expect(timeline.steps.map(\.index) == Array(0..<13))
        for (a, b) in zip(timeline.steps, timeline.steps.dropFirst()) {
            #expect(a.start + a.duration <= b.start)
        }
        let petrissage = timeline.steps[2]
        #expect(petrissage.target == .zone(.rhomboids, .both))
        #expect(petrissage.peakIntensity == 0.5 && petrissage.peakPressure == PressureName.medium.level)
        #expect(timeline.steps[3].target == .zone(.upperTrapezius, .left))
        #expect(timeline.steps[5].peakIntensity == 0 && timeline.steps[5].duration == 5)
        // Every frame of a step lies inside its row's time span.
        for frame in timeline.frames(rate: 20) where frame.step >= 0 {
            let row = timeline.steps[Int(frame.step)]
            #expect(frame.time >= row.start - 1e-9 && frame.time <= row.start + row.duration + 1e-9)
            #expect(frame.intensity <= row.peakIntensity + 1e-12 && frame.pressure <= row.peakPressure + 1e-12)
        }
    }

    @Test func stepLocationsComeFromThePattern() throws {
        let timeline = try F.compile(F.step(.rest, line: 4), F.step(.vibration, .init(duration: 5), line: 7))
        #expect(timeline.steps.map(\.location) == [SourceLocation(line: 4, column: 1), SourceLocation(line: 7, column: 1)])
    }
}

extension BackPoint {
    var asTarget: Target { .point(self) }
}
