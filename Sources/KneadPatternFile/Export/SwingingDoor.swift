/// Streaming line simplification ("swinging door"): keeps the points where a curve
/// turns and drops the ones a straight line between the kept points already describes
/// to within `tolerance`. One point of look-behind, so memory is constant.
///
/// A kept point is also forced when the last one is more than `maxGap` seconds behind,
/// so a player never interpolates across a long silence.
struct SwingingDoor {
    struct Point: Equatable {
        var time: Double
        var value: Double
    }

    let tolerance: Double
    let maxGap: Double
    private var anchor: Point?
    private var previous: Point?
    private var upperSlope = Double.infinity
    private var lowerSlope = -Double.infinity

    init(tolerance: Double, maxGap: Double) {
        self.tolerance = tolerance
        self.maxGap = maxGap
    }

    /// Feeds one sample (times strictly increasing); `keep` receives the points kept.
    mutating func add(_ point: Point, keep: (Point) throws(ExportError) -> Void) throws(ExportError) {
        guard let anchor else {
            self.anchor = point
            try keep(point)
            return
        }
        let span = point.time - anchor.time
        guard span > 0 else { return }
        let upper = (point.value + tolerance - anchor.value) / span
        let lower = (point.value - tolerance - anchor.value) / span
        if let previous {
            let narrowedUpper = Swift.min(upperSlope, upper)
            let narrowedLower = Swift.max(lowerSlope, lower)
            if narrowedLower > narrowedUpper || span > maxGap {
                // The door closed (or the gap is too long): the previous point ends a segment.
                try keep(previous)
                self.anchor = previous
                let restart = point.time - previous.time
                upperSlope = (point.value + tolerance - previous.value) / restart
                lowerSlope = (point.value - tolerance - previous.value) / restart
            } else {
                upperSlope = narrowedUpper
                lowerSlope = narrowedLower
            }
        } else {
            upperSlope = upper
            lowerSlope = lower
        }
        previous = point
    }

    /// Keeps the last sample: every curve ends where it really ends.
    mutating func finish(keep: (Point) throws(ExportError) -> Void) throws(ExportError) {
        if let previous { try keep(previous) }
        previous = nil
    }
}
