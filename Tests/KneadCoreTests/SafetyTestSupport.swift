import Foundation
import KneadCore

// Shared by the safety tests: a seeded PRNG, random frame streams, and a checker that
// states every rule of docs/safety.md as a property of an output stream.

/// Draws for random streams, on KneadCore's seeded generator, so a failing seed can be
/// replayed.
extension SplitMix64 {
    mutating func uniform(_ range: ClosedRange<Double>) -> Double {
        range.lowerBound + (range.upperBound - range.lowerBound) * unit()
    }
    /// Log-uniform: as many values in 1…10 as in 100…1000.
    mutating func logUniform(_ range: ClosedRange<Double>) -> Double {
        let lo = range.lowerBound.squareRoot().squareRoot(), hi = range.upperBound.squareRoot().squareRoot()
        let r = uniform(lo...hi)
        return r * r * r * r
    }
    mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.upperBound - range.lowerBound + 1))
    }
    mutating func chance(_ p: Double) -> Bool { unit() < p }
    mutating func pick<T>(_ values: [T]) -> T { values[int(0...(values.count - 1))] }
}

func frame(_ time: Double, intensity: Double = 0, x: Double = 0.3, y: Double = 0.5,
           pressure: Double = 0, heat: Double = 0, step: Int32 = 0) -> Frame {
    Frame(time: time, intensity: intensity, x: x, y: y, pressure: pressure, heat: heat,
          technique: .petrissage, target: .point(BackPoint(x: 0.3, y: 0.5)), step: step)
}

/// A random frame stream, generated lazily: segments of steady values, random jumps,
/// garbage (NaN, inf, out of range), firm pressure on the spine, long firm holds with
/// small circles, firm strokes across the spine and rhythmic pulses; time steps that
/// jitter, repeat, go backwards, skip ahead or are NaN.
struct RandomFrames: Sequence {
    let seed: UInt64
    let period: Double
    let count: Int

    struct Iterator: IteratorProtocol {
        enum Kind: CaseIterable { case steady, jumps, garbage, spineFirm, firmHold, crossing, pulses, zero }

        var rng: SplitMix64
        let period: Double
        var remaining: Int
        var time = 0.0
        var index: Int32 = 0
        var kind = Kind.zero
        var segmentFrames = 0
        var segmentStart = 0.0
        var base = (intensity: 0.0, pressure: 0.0, heat: 0.0, x: 0.5, y: 0.5)
        var circle = (radius: 0.0, period: 1.0)
        var pulse = (rate: 1.0, duty: 0.5)
        var crossing = (left: 0.3, right: 0.7, every: 1.0)

        mutating func next() -> Frame? {
            guard remaining > 0 else { return nil }
            remaining -= 1
            if segmentFrames == 0 { startSegment() }
            segmentFrames -= 1
            advanceTime()
            defer { index += 1 }
            let local = time - segmentStart
            var f = frame(time, intensity: base.intensity, x: base.x, y: base.y, pressure: base.pressure,
                          heat: base.heat, step: index)
            switch kind {
            case .steady, .zero:
                break
            case .jumps:
                f.intensity = rng.uniform(-0.2...1.3)
                f.pressure = rng.uniform(-0.2...1.3)
                f.heat = rng.uniform(-0.2...1.3)
                f.x = rng.uniform(-0.1...1.1)
                f.y = rng.uniform(-0.1...1.1)
            case .garbage:
                let junk: [Double] = [.nan, .infinity, -.infinity, 1e300, -1e300, -5, 2, 0.5, .ulpOfOne]
                if rng.chance(0.5) { f.intensity = rng.pick(junk) }
                if rng.chance(0.5) { f.pressure = rng.pick(junk) }
                if rng.chance(0.5) { f.heat = rng.pick(junk) }
                if rng.chance(0.3) { f.x = rng.pick(junk) }
                if rng.chance(0.3) { f.y = rng.pick(junk) }
                if rng.chance(0.1) { f.time = rng.pick(junk) }
                if rng.chance(0.1) { f.target = .point(BackPoint(x: .nan, y: .infinity)) }
            case .spineFirm:
                f.y = (base.y + 0.05 * local).truncatingRemainder(dividingBy: 1)
            case .firmHold:
                let angle = 2 * Double.pi * local / circle.period
                f.x = base.x + circle.radius * cos(angle)
                f.y = base.y + circle.radius * sin(angle)
            case .crossing:
                let side = Int((local / crossing.every).rounded(.down)) % 2
                f.x = side == 0 ? crossing.left : crossing.right
            case .pulses:
                let phase = (local * pulse.rate).truncatingRemainder(dividingBy: 1)
                f.pressure = phase < pulse.duty ? base.pressure : 0
            }
            return f
        }

        mutating func startSegment() {
            kind = rng.pick(Kind.allCases)
            let seconds = rng.chance(0.3) ? rng.uniform(20...60) : rng.uniform(0.05...8)
            segmentFrames = Swift.max(1, Int(seconds / period))
            segmentStart = time
            base = (rng.uniform(-0.1...1.2), rng.uniform(-0.1...1.2), rng.uniform(-0.1...1.2),
                    rng.uniform(0...1), rng.uniform(0...1))
            switch kind {
            case .zero:
                base = (0, 0, 0, base.x, base.y)
            case .spineFirm:
                base.x = rng.uniform(0.46...0.54)
                base.pressure = rng.uniform(0.6...1.2)
            case .firmHold:
                base.pressure = rng.uniform(0.6...1.0)
                circle = (rng.chance(0.5) ? 0 : rng.uniform(0...0.06), rng.uniform(0.3...4))
            case .crossing:
                base.pressure = rng.uniform(0.6...1.0)
                crossing = (rng.uniform(0.2...0.45), rng.uniform(0.55...0.8), rng.uniform(0.1...3))
            case .pulses:
                base.pressure = rng.uniform(0.6...1.0)
                pulse = (rng.uniform(0.3...3), rng.uniform(0.2...0.9))
            default:
                break
            }
        }

        mutating func advanceTime() {
            guard index > 0 else { return }
            let roll = rng.unit()
            switch roll {
            case ..<0.90: time += period
            case ..<0.95: time += period * rng.uniform(0...3)
            case ..<0.97: break
            case ..<0.98: time -= period * rng.uniform(0...5)
            case ..<0.99: time += rng.uniform(0...3)
            default: time += period
            }
        }
    }

    func makeIterator() -> Iterator {
        Iterator(rng: SplitMix64(seed: seed), period: period, remaining: count)
    }
}

/// A random device profile, body, pattern limits, person cap and session length, and
/// the limits they resolve to (sometimes with a shorter firm-hold cap or another soft
/// start, so short streams exercise them too).
struct RandomSetup {
    var device: DeviceProfile
    var limits: SafetyLimits
    var period: Double
    var frameCount: Int

    init(_ rng: inout SplitMix64) {
        switch rng.int(0...3) {
        case 0: device = .chair
        case 1: device = .handheld
        default:
            device = DeviceProfile(
                name: "random", summary: "", kind: rng.chance(0.5) ? .chair : .handheld,
                intensity: .init(steps: 256, maxSlew: rng.logUniform(0.05...30), max: rng.uniform(0.2...1)),
                pressure: rng.chance(0.7) ? .init(steps: 64, maxSlew: rng.logUniform(0.05...30),
                                                 max: rng.uniform(0.2...1)) : nil,
                position: rng.chance(0.7) ? .init(trackWidth: 400, trackLength: 700,
                                                  maxSpeed: rng.logUniform(5...400), maxAcceleration: 600,
                                                  steps: 1024) : nil,
                heat: rng.chance(0.5) ? .init(channel: .init(steps: 16, maxSlew: rng.logUniform(0.01...3),
                                                             max: rng.uniform(0.3...1)),
                                             maxTemperature: 45, timeConstant: 30) : nil,
                maxRate: 2000)
        }
        let body = BodyProfile(shoulderHeight: rng.uniform(200...450), backWidth: rng.uniform(280...520))
        let pattern = PatternLimits(intensity: rng.chance(0.5) ? rng.uniform(0.1...1) : nil,
                                    pressure: rng.chance(0.5) ? rng.uniform(0.3...1) : nil,
                                    heat: rng.chance(0.5) ? rng.uniform(0...1) : nil)
        period = 1 / rng.logUniform(1...2000)
        let seconds = Swift.min(rng.uniform(1...150), 12_000 * period)
        frameCount = Int(seconds / period) + 1
        limits = .resolve(device: device, body: body, pattern: pattern,
                          personCap: rng.chance(0.5) ? rng.uniform(0.2...1) : nil,
                          sessionCap: rng.chance(0.5) ? rng.uniform(0...seconds) : nil)
        if rng.chance(0.5) { limits.maxFirmHold = rng.uniform(0.2...40) }
        if rng.chance(0.5) { limits.startRamp = rng.uniform(0...5) }
    }
}
