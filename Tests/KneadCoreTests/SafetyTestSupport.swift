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

/// Every rule of the envelope as a property of an output stream. Violations are
/// collected as readable lines ("frame 812 (t=8.12): …").
struct SafetyRuleChecker {
    let limits: SafetyLimits
    /// The person's cap in force when each frame was admitted; nil: `limits.personCap` throughout.
    var personCaps: [Level]? = nil
    /// Index of the first frame admitted after `stop()`.
    var stopIndex: Int? = nil
    /// Index of the first frame after the base stream ended (the final ramp).
    var endIndex: Int? = nil
    /// The stream was paused at some point (paused time is not session time).
    var paused = false
    /// The stream is a whole `SafeFrames` stream: it must end at zero.
    var complete = true

    static let epsilon = 1e-9

    func violations(_ frames: [Frame]) -> [String] {
        var found: [String] = []
        func fail(_ i: Int, _ message: String) {
            if found.count < 12 { found.append("frame \(i) (t=\(frames[i].time)): \(message)") }
        }
        guard let first = frames.first else { return [] }
        let t0 = first.time
        let firm = firmPressureThreshold
        if first.intensity != 0 || first.pressure != 0 || first.heat != 0 {
            fail(0, "the first frame does not start from zero")
        }
        if complete, let last = frames.last, last.intensity != 0 || last.pressure != 0 || last.heat != 0 {
            fail(frames.count - 1, "the last frame is not all zero")
        }
        var windingStart: Int? = [stopIndex, endIndex].compactMap { $0 }.min()
        if !paused, let k = frames.firstIndex(where: { $0.time - t0 >= limits.sessionCap }) {
            windingStart = Swift.min(windingStart ?? k, k)
        }
        var runAnchor: BackPoint?
        var runStart = 0.0

        for (i, f) in frames.enumerated() {
            let values = [f.time, f.intensity, f.pressure, f.heat, f.x, f.y]
            if values.contains(where: { !$0.isFinite }) { fail(i, "not finite: \(values)"); continue }
            if case let .point(p) = f.target, !(p.x.isFinite && p.y.isFinite) { fail(i, "target not finite") }
            for (name, v) in [("intensity", f.intensity), ("pressure", f.pressure), ("heat", f.heat),
                              ("x", f.x), ("y", f.y)] where !(0...1).contains(v) {
                fail(i, "\(name) \(v) outside 0…1")
            }
            // Caps.
            let person = personCaps?[i] ?? limits.personCap
            let intensityCap = Swift.min(limits.maxIntensity, person)
            let pressureCap = Swift.min(limits.maxPressure, person)
            if f.intensity > limits.maxIntensity + 1e-12 { fail(i, "intensity \(f.intensity) above the cap \(limits.maxIntensity)") }
            if f.pressure > limits.maxPressure + 1e-12 { fail(i, "pressure \(f.pressure) above the cap \(limits.maxPressure)") }
            if f.heat > limits.maxHeat + 1e-12 { fail(i, "heat \(f.heat) above the cap \(limits.maxHeat)") }
            let previous = i > 0 ? frames[i - 1] : nil
            // Above the person's cap only while coming down to it, never rising.
            if f.intensity > intensityCap + 1e-12 && f.intensity > (previous?.intensity ?? 0) + 1e-12 {
                fail(i, "intensity \(f.intensity) rises above the person's cap \(intensityCap)")
            }
            if f.pressure > pressureCap + 1e-12 && f.pressure > (previous?.pressure ?? 0) + 1e-12 {
                fail(i, "pressure \(f.pressure) rises above the person's cap \(pressureCap)")
            }
            // Soft start: never above the cap times the share of startRamp gone by.
            if limits.startRamp > 0 {
                let share = Swift.min(1, (f.time - t0) / limits.startRamp)
                let capAll = personCaps == nil ? limits.effectiveMaxIntensity : limits.maxIntensity
                let capPressure = personCaps == nil ? limits.effectiveMaxPressure : limits.maxPressure
                if f.intensity > capAll * share + Self.epsilon { fail(i, "intensity \(f.intensity) ahead of the soft start") }
                if f.pressure > capPressure * share + Self.epsilon { fail(i, "pressure \(f.pressure) ahead of the soft start") }
            }
            // Spine line.
            if Anatomy.isOnSpineLine(f.position) && f.pressure >= firm { fail(i, "firm pressure \(f.pressure) on the spine line at x=\(f.x)") }
            // The spine band's cap: no frame in the band, nor either end of a move over
            // it, above relievedPressure.
            let relieved = SafetyLimits.relievedPressure + Self.epsilon
            if Anatomy.isOnSpineLine(f.position) && f.pressure > relieved {
                fail(i, "pressure \(f.pressure) in the spine band at x=\(f.x), above \(SafetyLimits.relievedPressure)")
            }
            if let p = previous, (p.x - 0.5) * (f.x - 0.5) < 0, max(p.pressure, f.pressure) > relieved {
                fail(i, "a move over the spine band (x \(p.x) → \(f.x)) at pressure \(max(p.pressure, f.pressure))")
            }

            if let p = previous {
                let dt = f.time - p.time
                if dt < 0 { fail(i, "time goes backwards") }
                // Winding down may fall faster than the slew limit, just fast enough to
                // reach zero from the cap within endRamp (every way out is bounded).
                let winding = windingStart.map { i >= $0 } ?? false
                func slew(_ name: String, _ a: Double, _ b: Double, _ rate: Double, cap: Double) {
                    let allowed = winding && b <= a && limits.endRamp > 0 ? Swift.max(rate, cap / limits.endRamp) : rate
                    if abs(b - a) > allowed * dt * (1 + 1e-6) + 1e-12 {
                        fail(i, "\(name) \(a) → \(b) in \(dt) s exceeds \(allowed)/s")
                    }
                }
                slew("intensity", p.intensity, f.intensity, limits.intensitySlew, cap: limits.maxIntensity)
                slew("pressure", p.pressure, f.pressure, limits.pressureSlew, cap: limits.maxPressure)
                slew("heat", p.heat, f.heat, limits.heatSlew, cap: Swift.min(limits.maxHeat, SafetyLimits.absoluteMaxHeat))
                let moved = p.position.distance(to: f.position)
                if moved > limits.positionSpeed * dt * (1 + 1e-6) + 1e-12 {
                    fail(i, "moved \(moved) in \(dt) s, faster than \(limits.positionSpeed)/s")
                }
                // Crossing or touching the spine line between two frames: never firm at either end.
                let lo = Swift.min(p.x, f.x), hi = Swift.max(p.x, f.x)
                if lo < 0.5 + Anatomy.spineHalfWidth && hi > 0.5 - Anatomy.spineHalfWidth
                    && (p.pressure >= firm || f.pressure >= firm) {
                    fail(i, "firm pressure while crossing the spine line (\(p.x) → \(f.x))")
                }
            }
            // Firm hold: one point = within firmHoldRadius of where the firm pressure began.
            if f.pressure >= firm {
                if let anchor = runAnchor, f.position.distance(to: anchor) <= limits.firmHoldRadius {
                    if f.time - runStart > limits.maxFirmHold + 1e-6 {
                        fail(i, "firm pressure held \(f.time - runStart) s at one point, cap \(limits.maxFirmHold) s")
                    }
                } else {
                    runAnchor = f.position
                    runStart = f.time
                }
            } else {
                runAnchor = nil
            }
        }

        // Winding down (stop, session cap): from its first frame on, nothing rises and
        // nothing moves; everything is zero within endRamp.
        if let k = windingStart, k < frames.count {
            let rampStart = k > 0 ? frames[k - 1].time : frames[k].time
            for j in k..<frames.count {
                let f = frames[j]
                if j > 0 {
                    let p = frames[j - 1]
                    if f.intensity > p.intensity || f.pressure > p.pressure || f.heat > p.heat {
                        fail(j, "rises while winding down")
                    }
                    if f.position != p.position { fail(j, "moves while winding down") }
                }
                if f.time - rampStart >= limits.endRamp * (1 + 1e-9) + 1e-9
                    && (f.intensity != 0 || f.pressure != 0 || f.heat != 0) {
                    fail(j, "not zero \(f.time - rampStart) s after winding down began (endRamp \(limits.endRamp) s)")
                }
            }
        }
        return found
    }
}
