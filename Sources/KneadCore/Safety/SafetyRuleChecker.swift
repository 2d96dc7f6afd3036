import Foundation

// Not the envelope: a check of what came out of it, rule by rule, written apart from
// SafetyEnvelope so that the two cannot share a mistake. The tests (Tests/KneadCoreTests)
// and the fuzz targets (Fuzz/) check every stream they render with it.

/// Every rule of the envelope as a property of an output stream. Violations are
/// collected as readable lines ("frame 812 (t=8.12): …").
public struct SafetyRuleChecker {
    public let limits: SafetyLimits
    /// The person's cap in force when each frame was admitted; nil: `limits.personCap` throughout.
    public var personCaps: [Level]?
    /// Index of the first frame admitted after `stop()`.
    public var stopIndex: Int?
    /// Index of the first frame after the base stream ended (the final ramp).
    public var endIndex: Int?
    /// The stream was paused at some point (paused time is not session time).
    public var paused: Bool
    /// The stream is a whole `SafeFrames` stream: it must end at zero.
    public var complete: Bool

    public init(limits: SafetyLimits, personCaps: [Level]? = nil, stopIndex: Int? = nil, endIndex: Int? = nil,
                paused: Bool = false, complete: Bool = true) {
        self.limits = limits
        self.personCaps = personCaps
        self.stopIndex = stopIndex
        self.endIndex = endIndex
        self.paused = paused
        self.complete = complete
    }

    static let epsilon = 1e-9

    public func violations(_ frames: [Frame]) -> [String] {
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
            let values = [f.time, f.intensity, f.pressure, f.heat, f.x, f.y, f.percussionRate, f.percussionDepth]
            if values.contains(where: { !$0.isFinite }) { fail(i, "not finite: \(values)"); continue }
            if case let .point(p) = f.target, !(p.x.isFinite && p.y.isFinite) { fail(i, "target not finite") }
            for (name, v) in [("intensity", f.intensity), ("pressure", f.pressure), ("heat", f.heat),
                              ("x", f.x), ("y", f.y), ("percussionDepth", f.percussionDepth)] where !(0...1).contains(v) {
                fail(i, "\(name) \(v) outside 0…1")
            }
            if f.percussionRate < 0 { fail(i, "percussion rate \(f.percussionRate) below 0") }
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
