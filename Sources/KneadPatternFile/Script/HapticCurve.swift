import KneadCore

/// An intensity curve built from the pieces haptic files are made of, as the points a
/// `script:` step's intensity track holds (times in seconds, levels 0…1):
///
///     level(t) = max(envelope(t), the highest pulse sounding at t) × control(t)
///
/// Pulses are flat (an AHAP event, a `.haptic` emphasis), sounding over [start, end).
/// The envelope is linear between its points (a `.haptic` amplitude envelope), 0
/// where there is none. The control is the latest control piece begun by t, linear
/// between its points and holding its first and last values (AHAP's
/// HapticIntensityControl curves and parameters), 1 before the first.
///
/// The points sit at every place the curve can turn: each pulse's edges (a jump is two
/// points at the same time, the level before and after) and each envelope and control
/// point. Between two points the curve is linear (one control and one set of pulses),
/// which the script step eases as it eases a funscript.
struct HapticCurve {
    struct Pulse: Equatable {
        var start: Double
        var end: Double
        var level: Double
    }
    /// One control curve: absolute times, sorted; a single point is a constant from its time.
    typealias Control = [(time: Double, value: Double)]

    var pulses: [Pulse] = []
    var envelope: [(time: Double, value: Double)] = []
    var controls: [Control] = []

    /// The curve as points, starting at 0 s and ending at the last pulse's end or
    /// envelope point, whichever is later.
    func points() -> [ScriptTrack.Point] {
        var times = Set<Double>([0])
        for pulse in pulses { times.insert(pulse.start); times.insert(pulse.end) }
        for point in envelope { times.insert(point.time) }
        let end = Swift.max(pulses.map(\.end).max() ?? 0, envelope.last?.time ?? 0)
        for control in controls { for point in control where point.time < end { times.insert(point.time) } }
        var points: [ScriptTrack.Point] = []
        for time in times.sorted() where time <= end {
            let before = level(at: time, fromLeft: true), after = level(at: time, fromLeft: false)
            if time > 0 && before != after { points.append(.init(time: time, position: before)) }
            points.append(.init(time: time, position: after))
        }
        return points
    }

    /// The level just after `t`, or, `fromLeft`, just before it.
    func level(at t: Double, fromLeft: Bool) -> Double {
        let sounding = pulses.filter { fromLeft ? ($0.start < t && t <= $0.end) : ($0.start <= t && t < $0.end) }
        let top = Swift.max(sounding.map(\.level).max() ?? 0, Self.linear(envelope, at: t))
        return (top * control(at: t, fromLeft: fromLeft)).unitClamped
    }

    private func control(at t: Double, fromLeft: Bool) -> Double {
        let begun = controls.filter { control in
            guard let first = control.first?.time else { return false }
            return fromLeft ? first < t : first <= t
        }
        guard let latest = begun.max(by: { $0.first!.time <= $1.first!.time }) else { return 1 }
        return Self.linear(latest, at: t)
    }

    /// Linear between points; the first value before them, the last after; 0 for none.
    static func linear(_ points: [(time: Double, value: Double)], at t: Double) -> Double {
        guard let first = points.first else { return 0 }
        if t <= first.time { return first.value }
        guard let after = points.firstIndex(where: { $0.time > t }) else { return points[points.count - 1].value }
        let a = points[after - 1], b = points[after]
        return a.value + (b.value - a.value) * (t - a.time) / (b.time - a.time)
    }
}
