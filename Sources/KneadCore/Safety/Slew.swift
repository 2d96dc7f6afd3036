/// The small geometric and rate helpers the envelope is built from.
enum Slew {
    /// Float rounding in a ramp (0.01 × 50 is not exactly 0.5) must not leave a residue
    /// of 1e-17 that costs one more frame: a step within this relative margin of the
    /// allowance lands on the target.
    static let snap = 1e-9

    /// How far a channel with this rate may move in `dt` seconds. A time step of 0 allows
    /// nothing, even at an infinite rate (inf × 0 would be NaN).
    @inline(__always)
    static func allowance(_ rate: Double, _ dt: Double) -> Double {
        dt > 0 ? rate * dt : 0
    }

    /// `current` moved toward `target` by at most `maxStep`.
    @inline(__always)
    static func toward(_ current: Double, _ target: Double, maxStep: Double) -> Double {
        let difference = target - current
        if abs(difference) <= maxStep * (1 + snap) { return target }
        return difference > 0 ? current + maxStep : current - maxStep
    }

    /// `from` moved toward `goal` along the straight line by at most `reach`, kept on the back.
    @inline(__always)
    static func toward(_ from: BackPoint, _ goal: BackPoint, reach: Double) -> BackPoint {
        let distance = from.distance(to: goal)
        if distance <= reach * (1 + snap) { return goal }
        let fraction = reach / distance
        return BackPoint(x: (from.x + (goal.x - from.x) * fraction).unitClamped,
                         y: (from.y + (goal.y - from.y) * fraction).unitClamped)
    }

    /// Whether a move between these two x positions touches the spine line (the open band
    /// `Anatomy.isOnSpineLine` tests), widened by a hair so rounding at its edge never
    /// lets a point count as on the line for `Anatomy` but not here.
    @inline(__always)
    static func touchesSpineLine(_ a: Double, _ b: Double) -> Bool {
        let halfWidth = Anatomy.spineHalfWidth + 1e-9
        return Swift.min(a, b) < 0.5 + halfWidth && Swift.max(a, b) > 0.5 - halfWidth
    }
}
