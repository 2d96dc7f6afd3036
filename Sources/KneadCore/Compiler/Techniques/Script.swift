/// Script: a funscript's recorded positions driving the head along a zone.
///
///     y(τ) = y_bottom + (y_top − y_bottom)·q(τ),  x = the zone line's x
///     q(τ) = q_i + (q_(i+1) − q_i)·s((τ − t_i)/(t_(i+1) − t_i))   between recorded points i, i+1
///     intensity = e(τ)·k·v(τ)  with the companion (.vib) track v, k = `intensity` written or 1
///               = e(τ)·L       without one (L = `intensity`, default 0.5)
///     pressure  = e(τ)·P
///
/// Recorded positions are eased point to point with smoothstep (a funscript player
/// interpolates linearly; easing keeps the head from jerking at each point). Before
/// the first point the first position holds, after the last point the last one.
/// Zone default: the paraspinal lines (y 0.02 → 0.98); on a both-sides zone the
/// script plays on the left line, then on the right. `duration` defaults to the
/// script's length on each side, and when written is shared by the sides. The
/// script's speed is played as recorded: if it is faster than the device can move,
/// the safety envelope limits it.
struct ScriptPlan: Sendable {
    var track: Int
    var line: Line
    var intensity: Double
    var followsCompanion: Bool
    var pressure: Double
    var envelope: EdgeEnvelope

    func setpoint(at tau: Double, tracks: [ScriptTrack]) -> Setpoint {
        let e = envelope.factor(tau)
        guard track < tracks.count else {
            return Setpoint(intensity: 0, pressure: 0, at: line.start)
        }
        let script = tracks[track]
        let q = Self.value(script.points, at: tau)
        var level = intensity
        if followsCompanion, let companion = script.intensity {
            level *= Self.value(companion, at: tau)
        }
        return Setpoint(intensity: level * e, pressure: pressure * e, at: mix(line.start, line.end, q))
    }

    /// The recorded value at time t, eased between points. Binary search: no state,
    /// no allocation.
    static func value(_ points: [ScriptTrack.Point], at t: Double) -> Double {
        guard let first = points.first else { return 0 }
        if !(t > first.time) { return first.position.unitClamped }
        let last = points[points.count - 1]
        if t >= last.time { return last.position.unitClamped }
        // The last point at or before t.
        var low = 0, high = points.count - 1
        while high - low > 1 {
            let mid = (low + high) / 2
            if points[mid].time <= t { low = mid } else { high = mid }
        }
        let a = points[low], b = points[high]
        let span = b.time - a.time
        let u = span > 0 ? (t - a.time) / span : 1
        return mix(a.position, b.position, smoothstep(u)).unitClamped
    }
}

enum Script {
    static func pieces(_ step: ResolvedStep, track: Int, script: ScriptTrack,
                       limits: DeviceLimits) throws(CompileError) -> [Piece] {
        let p = step.parameters
        let zone = p.zone ?? .zone(.paraspinal, .both)
        let lines = Placement.zoneLines(zone)
        let sides = zone.sides
        let length = Swift.max(script.points.last?.time ?? 0, script.intensity?.last?.time ?? 0)
        let perSide: Double
        if let total = p.duration {
            perSide = total / Double(sides.count)
        } else {
            guard length > 0 else {
                throw CompileError("script '\(script.path)' lasts 0 s; give the step a duration, e.g. duration: 30s",
                                   at: step.location)
            }
            perSide = length
        }
        let companion = script.intensity != nil
        let intensity = companion ? (step.written.intensity ?? 1) : step.intensity
        let pressure = step.pressure
        let ramp = limits.edgeRamp(intensity: intensity, pressure: pressure)
        return zip(lines, sides).map { line, side in
            let plan = ScriptPlan(track: track, line: line, intensity: intensity, followsCompanion: companion,
                                  pressure: pressure,
                                  envelope: EdgeEnvelope(duration: perSide, rampIn: ramp, rampOut: ramp))
            return Piece(technique: .script, target: side, duration: perSide, motion: .script(plan))
        }
    }

    /// The highest intensity the step reaches (for the step table).
    static func peakIntensity(_ step: ResolvedStep, script: ScriptTrack) -> Double {
        guard let companion = script.intensity else { return step.intensity }
        let top = companion.reduce(0.0) { Swift.max($0, $1.position.unitClamped) }
        return (step.written.intensity ?? 1) * top
    }
}
