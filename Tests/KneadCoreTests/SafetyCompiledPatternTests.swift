import Testing
import KneadCore

/// The envelope over what the compiler makes: random patterns built in code, compiled
/// for the chair and the handheld, played to the end through `SafeFrames`.
@Suite("Safety envelope over compiled patterns")
struct SafetyCompiledPatternTests {
    static let techniques = Technique.patternTechniques.filter { $0 != .script }

    static func randomTarget(_ rng: inout SplitMix64) -> Target {
        if rng.chance(0.3) {
            // Points, a good share of them on or near the spine line.
            let x = rng.chance(0.5) ? rng.uniform(0.46...0.54) : rng.uniform(0...1)
            return .point(BackPoint(x: x, y: rng.uniform(0...1)))
        }
        return Target(name: rng.pick(Target.allNames))!
    }

    /// A step of a random technique with a random choice of the keys it accepts, each
    /// with a valid random value (firm pressures and long holds included).
    static func randomStep(_ rng: inout SplitMix64) -> Step {
        let technique = rng.pick(techniques)
        var p = StepParameters()
        for key in TechniqueDefaults.accepted(technique).sorted() where rng.chance(0.5) || key == "at" {
            switch key {
            case "duration": p.duration = rng.uniform(0.5...(technique == .rest ? 5 : 40))
            case "intensity": p.intensity = rng.uniform(0...1)
            case "pressure": p.pressure = rng.chance(0.5) ? rng.uniform(0.6...1) : rng.uniform(0...0.6)
            case "zone": p.zone = randomTarget(&rng)
            case "from": p.from = randomTarget(&rng)
            case "to": p.to = randomTarget(&rng)
            case "at": p.at = randomTarget(&rng)
            case "strokes": p.strokes = rng.int(1...4)
            case "stroke": p.stroke = rng.uniform(1...12)
            case "circle": p.circle = rng.uniform(0.3...4)
            case "hold": p.hold = rng.uniform(5...60)
            case "rate": p.rate = rng.uniform(0.5...10)
            case "breaks": p.breaks = rng.uniform(0...5)
            case "after": p.after = rng.uniform(0...10)
            case "heat": p.heat = rng.uniform(0...1)
            default: break
            }
        }
        return Step(technique: technique, parameters: p)
    }

    static func randomPattern(_ rng: inout SplitMix64) -> Pattern {
        var items = (0..<rng.int(1...6)).map { _ in PatternItem.step(randomStep(&rng)) }
        if rng.chance(0.3) {
            items = [.repeat(count: rng.int(1...3), items: items, location: .unknown)]
        }
        let limits = PatternLimits(intensity: rng.chance(0.3) ? rng.uniform(0.2...1) : nil,
                                   pressure: rng.chance(0.3) ? rng.uniform(0.3...1) : nil,
                                   heat: rng.chance(0.3) ? rng.uniform(0...1) : nil)
        return Pattern(name: "random", limits: limits, items: items)
    }

    @Test(arguments: 0..<60)
    func randomCompiledPatternsKeepEveryRule(seed: Int) throws {
        var rng = SplitMix64(seed: UInt64(seed) &* 0xA24B_AED4_963E_E407 &+ 3)
        let device: DeviceProfile = rng.chance(0.7) ? .chair : .handheld
        let body = BodyProfile(shoulderHeight: rng.uniform(250...400), backWidth: rng.uniform(320...480))
        let pattern = Self.randomPattern(&rng)
        let timeline = try Compiler.compile(pattern, device: device, body: body)
        #expect(timeline.duration > 0)

        // At most about 30,000 frames, at 1 Hz to 500 Hz.
        let rate = Swift.min(rng.logUniform(1...500), 30_000 / timeline.duration)
        let limits = SafetyLimits.resolve(device: device, body: body, pattern: pattern.limits,
                                          personCap: rng.chance(0.5) ? rng.uniform(0.2...1) : nil,
                                          sessionCap: rng.chance(0.3) ? rng.uniform(0...timeline.duration) : nil)
        let envelope = SafetyEnvelope(limits: limits)
        let baseCount = Int((timeline.duration * rate).rounded(.down)) + 1
        let output = timeline.frames(rate: rate).safe(through: envelope, period: 1 / rate)
            .prefix(baseCount * 2 + 10_000).map(\.frame)

        var checker = SafetyRuleChecker(limits: limits)
        if !envelope.reachedSessionCap { checker.endIndex = baseCount }
        let violations = checker.violations(output)
        #expect(violations.isEmpty, "seed \(seed), \(device.name), rate \(rate), \(pattern.items): \(violations)")
        #expect(envelope.phase == .ended)
    }

    /// A well-formed pattern is not the envelope's business: each technique with its
    /// defaults, after a warm-up, passes unaltered once the soft start is over.
    @Test(arguments: Self.techniques)
    func defaultTechniquesPassUntouchedAfterTheSoftStart(technique: Technique) throws {
        var parameters = StepParameters()
        if technique == .triggerPoint { parameters.at = Target(name: "upper-trapezius-left") }
        let pattern = Pattern(name: technique.rawValue, items: [
            .step(Step(technique: .warmUp)), .step(Step(technique: technique, parameters: parameters)),
        ])
        for device in [DeviceProfile.chair, .handheld] {
            let limits = SafetyLimits.resolve(device: device)
            let envelope = SafetyEnvelope(limits: limits)
            var altered = 0
            var frames = 0
            for input in try Compiler.compile(pattern, device: device).frames(rate: 100) {
                let output = envelope.admit(input).frame
                frames += 1
                guard input.time >= limits.startRamp else { continue }
                let expectedPressure = device.pressure == nil ? 0 : input.pressure
                if output.intensity != input.intensity || output.pressure != expectedPressure
                    || output.heat != input.heat || output.position != input.position {
                    altered += 1
                }
            }
            #expect(frames > 1000)
            #expect(altered == 0, "\(technique.rawValue) on \(device.name): \(altered) frames altered")
        }
    }
}
