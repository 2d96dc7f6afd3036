import FuzzSupport
@testable import KneadCore

/// The safety envelope's rules, checked on every frame a fuzz target gets out of
/// `SafeFrames` (the same rules as Tests/KneadCoreTests/SafetyTestSupport.swift's
/// SafetyRuleChecker, for a stream without live controls). A violation traps, so
/// libFuzzer keeps the input as a crash.
public enum SafetyCheck {
    /// Renders `timeline` at `rate` Hz through a fresh envelope with `limits` and checks
    /// every frame. The session cap in `limits` bounds the work.
    @discardableResult
    public static func run(_ timeline: Timeline, limits: SafetyLimits, rate: Double = 10, label: String) -> [Frame] {
        let watch = EndWatch()
        let envelope = SafetyEnvelope(limits: limits)
        // Bounded: the session cap plus the final ramp, and a margin; a stream that
        // does not end by then is a bug too.
        let bound = Int((min(timeline.duration, limits.sessionCap) + limits.endRamp + 5) * rate) + 1000
        var frames: [Frame] = []
        frames.reserveCapacity(min(bound, 100_000))
        var iterator = WatchedFrames(base: timeline.frames(rate: rate).makeIterator(), watch: watch)
            .safe(through: envelope, period: 1 / rate).makeIterator()
        while let safe = iterator.next() {
            frames.append(safe.frame)
            watch.emitted = frames.count
            fuzzCheck(frames.count <= bound, "\(label): the safe stream does not end after \(bound) frames")
        }
        var endIndex = watch.endIndex
        if envelope.reachedSessionCap { endIndex = nil }
        let violations = violations(frames, limits: limits, endIndex: endIndex)
        fuzzCheck(violations.isEmpty, "\(label): safety rule broken: \(violations)")
        return frames
    }

    static let epsilon = 1e-9

    static func violations(_ frames: [Frame], limits: SafetyLimits, endIndex: Int?) -> [String] {
        var found: [String] = []
        func fail(_ i: Int, _ message: String) {
            if found.count < 6 { found.append("frame \(i) (t=\(frames[i].time)): \(message)") }
        }
        guard let first = frames.first else { return [] }
        let t0 = first.time
        let firm = firmPressureThreshold
        if first.intensity != 0 || first.pressure != 0 || first.heat != 0 { fail(0, "the first frame is not zero") }
        if let last = frames.last, last.intensity != 0 || last.pressure != 0 || last.heat != 0 {
            fail(frames.count - 1, "the last frame is not all zero")
        }
        var windingStart = endIndex
        if let k = frames.firstIndex(where: { $0.time - t0 >= limits.sessionCap }) {
            windingStart = min(windingStart ?? k, k)
        }
        var runAnchor: BackPoint?
        var runStart = 0.0
        for (i, f) in frames.enumerated() {
            let values = [f.time, f.intensity, f.pressure, f.heat, f.x, f.y, f.percussionRate, f.percussionDepth]
            if values.contains(where: { !$0.isFinite }) { fail(i, "not finite: \(values)"); continue }
            for (name, v) in [("intensity", f.intensity), ("pressure", f.pressure), ("heat", f.heat),
                              ("x", f.x), ("y", f.y), ("percussionDepth", f.percussionDepth)] where !(0...1).contains(v) {
                fail(i, "\(name) \(v) outside 0…1")
            }
            if f.percussionRate < 0 { fail(i, "percussion rate \(f.percussionRate) below 0") }
            if f.intensity > limits.effectiveMaxIntensity + 1e-12 { fail(i, "intensity \(f.intensity) above the cap \(limits.effectiveMaxIntensity)") }
            if f.pressure > limits.effectiveMaxPressure + 1e-12 { fail(i, "pressure \(f.pressure) above the cap \(limits.effectiveMaxPressure)") }
            if f.heat > limits.maxHeat + 1e-12 { fail(i, "heat \(f.heat) above the cap \(limits.maxHeat)") }
            if limits.startRamp > 0 {
                let share = min(1, (f.time - t0) / limits.startRamp)
                if f.intensity > limits.effectiveMaxIntensity * share + epsilon { fail(i, "intensity \(f.intensity) ahead of the soft start") }
                if f.pressure > limits.effectiveMaxPressure * share + epsilon { fail(i, "pressure \(f.pressure) ahead of the soft start") }
            }
            if Anatomy.isOnSpineLine(f.position) && f.pressure >= firm { fail(i, "firm pressure \(f.pressure) on the spine line") }
            let relieved = SafetyLimits.relievedPressure + epsilon
            if Anatomy.isOnSpineLine(f.position) && f.pressure > relieved { fail(i, "pressure \(f.pressure) in the spine band") }
            let previous = i > 0 ? frames[i - 1] : nil
            if let p = previous {
                if (p.x - 0.5) * (f.x - 0.5) < 0, max(p.pressure, f.pressure) > relieved {
                    fail(i, "a move over the spine band (x \(p.x) → \(f.x)) at pressure \(max(p.pressure, f.pressure))")
                }
                let dt = f.time - p.time
                if dt < 0 { fail(i, "time goes backwards") }
                let winding = windingStart.map { i >= $0 } ?? false
                func slew(_ name: String, _ a: Double, _ b: Double, _ rate: Double, cap: Double) {
                    let allowed = winding && b <= a && limits.endRamp > 0 ? max(rate, cap / limits.endRamp) : rate
                    if abs(b - a) > allowed * dt * (1 + 1e-6) + 1e-12 { fail(i, "\(name) \(a) → \(b) in \(dt) s exceeds \(allowed)/s") }
                }
                slew("intensity", p.intensity, f.intensity, limits.intensitySlew, cap: limits.maxIntensity)
                slew("pressure", p.pressure, f.pressure, limits.pressureSlew, cap: limits.maxPressure)
                slew("heat", p.heat, f.heat, limits.heatSlew, cap: min(limits.maxHeat, SafetyLimits.absoluteMaxHeat))
                let moved = p.position.distance(to: f.position)
                if moved > limits.positionSpeed * dt * (1 + 1e-6) + 1e-12 { fail(i, "moved \(moved) in \(dt) s, faster than \(limits.positionSpeed)/s") }
                let lo = min(p.x, f.x), hi = max(p.x, f.x)
                if lo < 0.5 + Anatomy.spineHalfWidth && hi > 0.5 - Anatomy.spineHalfWidth && (p.pressure >= firm || f.pressure >= firm) {
                    fail(i, "firm pressure while crossing the spine line (\(p.x) → \(f.x))")
                }
            }
            if f.pressure >= firm {
                if let anchor = runAnchor, f.position.distance(to: anchor) <= limits.firmHoldRadius {
                    if f.time - runStart > limits.maxFirmHold + 1e-6 { fail(i, "firm pressure held \(f.time - runStart) s at one point") }
                } else {
                    runAnchor = f.position
                    runStart = f.time
                }
            } else {
                runAnchor = nil
            }
        }
        if let k = windingStart, k < frames.count {
            let rampStart = k > 0 ? frames[k - 1].time : frames[k].time
            for j in k..<frames.count {
                let f = frames[j]
                if j > 0 {
                    let p = frames[j - 1]
                    if f.intensity > p.intensity || f.pressure > p.pressure || f.heat > p.heat { fail(j, "rises while winding down") }
                    if f.position != p.position { fail(j, "moves while winding down") }
                }
                if f.time - rampStart >= limits.endRamp * (1 + 1e-9) + 1e-9 && (f.intensity != 0 || f.pressure != 0 || f.heat != 0) {
                    fail(j, "not zero \(f.time - rampStart) s after winding down began")
                }
            }
        }
        return found
    }
}

/// Notes how many frames had come out when the base stream ran out.
final class EndWatch {
    var emitted = 0
    var endIndex: Int?
}

struct WatchedFrames<Base: IteratorProtocol>: Sequence, IteratorProtocol where Base.Element == Frame {
    var base: Base
    let watch: EndWatch
    mutating func next() -> Frame? {
        guard let frame = base.next() else {
            if watch.endIndex == nil { watch.endIndex = watch.emitted }
            return nil
        }
        return frame
    }
}
