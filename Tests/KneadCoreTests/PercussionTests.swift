import Testing
@testable import KneadCore

/// Issue 9, finding 1, on a device that taps by itself: the frames carry the taps'
/// rate and depth and hold the level steady, so 6 Hz taps at full depth reach it; the
/// envelope takes them to nothing with the intensity on every way out.
@Suite struct PercussionTests {
    static func tapping(on device: DeviceProfile) throws -> Timeline {
        let pattern = Pattern(name: "taps", items: [
            .step(Step(technique: .warmUp)),
            .step(Step(technique: .tapping, parameters: StepParameters(duration: 30, zone: .zone(.upperTrapezius, .left),
                                                                      rate: 6))),
        ])
        return try Compiler.compile(pattern, device: device)
    }

    @Test func onTheChairTheFramesCarryRateAndDepthAndTheLevelHoldsSteady() throws {
        let timeline = try Self.tapping(on: .chair)
        let step = try #require(timeline.steps.first { $0.technique == .tapping })
        let middle = (0..<100).map { timeline.frame(at: step.start + step.duration / 2 + Double($0) / 100) }
        #expect(middle.allSatisfy { $0.percussionRate == 6 && $0.percussionDepth == 1 })
        #expect(middle.allSatisfy { abs($0.intensity - 0.5) < 1e-9 }, "the level the taps reach, held")
        #expect(timeline.rhythmShortfalls.isEmpty)
        // Outside the step: no taps.
        #expect(timeline.frame(at: step.start - 1).percussionRate == 0)
    }

    @Test func aDeviceWithoutTheMechanismStillSamplesTheTaps() throws {
        var chairWithout = DeviceProfile.chair
        chairWithout.percussion = nil
        let timeline = try Self.tapping(on: chairWithout)
        let step = try #require(timeline.steps.first { $0.technique == .tapping })
        #expect(timeline.frame(at: step.start + step.duration / 2).percussionRate == 0)
        #expect(!timeline.rhythmShortfalls.isEmpty)
        // A rate outside the mechanism's range is sampled too.
        var slowOnly = DeviceProfile.chair
        slowOnly.percussion = .init(minRate: 1, maxRate: 4, steps: 64)
        #expect(try Self.tapping(on: slowOnly).frame(at: step.start + step.duration / 2).percussionRate == 0)
    }

    @Test func theEnvelopeEndsTheTapsWithTheIntensityAndRefusesNonsense() {
        let envelope = SafetyEnvelope(limits: SafetyLimits.resolve(device: .chair))
        func frame(_ time: Double, intensity: Double, rate: Double, depth: Double) -> Frame {
            Frame(time: time, intensity: intensity, x: 0.3, y: 0.8, pressure: 0, heat: 0, technique: .tapping,
                  target: .point(BackPoint(x: 0.3, y: 0.8)), step: 0, percussionRate: rate, percussionDepth: depth)
        }
        var out = envelope.admit(frame(0, intensity: 0.5, rate: 6, depth: 1)).frame
        // The soft start holds intensity at 0 at first: no taps then.
        #expect(out.intensity == 0 && out.percussionRate == 0 && out.percussionDepth == 0)
        for k in 1...600 { out = envelope.admit(frame(Double(k) / 100, intensity: 0.5, rate: 6, depth: 1)).frame }
        #expect(out.intensity > 0 && out.percussionRate == 6 && out.percussionDepth == 1)
        out = envelope.admit(frame(6.01, intensity: 0.5, rate: .nan, depth: 1)).frame
        #expect(out.percussionRate == 0 && out.percussionDepth == 0)
        out = envelope.admit(frame(6.02, intensity: 0.5, rate: 500, depth: 3)).frame
        #expect(out.percussionRate == 0, "faster than any mechanism")
        // A way out: the intensity winds down to 0, and the taps with it.
        envelope.stop()
        var time = 6.03
        while !envelope.isStopped && time < 10 {
            out = envelope.admit(frame(time, intensity: 0.5, rate: 6, depth: 1)).frame
            time += 0.01
        }
        #expect(out.intensity == 0 && out.percussionRate == 0 && out.percussionDepth == 0)
    }
}
