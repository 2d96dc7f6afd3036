/// Shiatsu: sustained presses on points a vertebra apart along the lines beside the spine.
///
/// Points sit `spacing` = 25 mm apart along the line (about one thoracic vertebra on the
/// default 320 mm back; in normalized units 25/320 of the shoulder height, so the points
/// follow the vertebrae on a larger or smaller back), centred on the line. Each point
/// gets one cycle of T seconds:
///
///     move     τ' < M:          p = point_prev + (point − point_prev)·s(τ'/M),  level 0
///     press    M ≤ τ' < T:      p = point,  level = L·ramp(τ' − M)
///     ramp(t) = s(t/R) rising, 1 held, s((S − t)/R) falling,  S = T − M
///
/// so every press is ramped in over R, held, ramped out over R to exactly 0 (a full
/// release of pressure and intensity) before the head moves to the next point with
/// nothing pressing. The figures: a press of `pressTime` = 5 s (R = 1 s in, 3 s held,
/// 1 s out) and M = 1 s to move (longer when the device needs it), so a 6 s cycle.
/// The articles give no figure for a shiatsu press; 3–7 s on a point is the usual
/// practice, and 5 s sits inside the articles' own shortest hold (stretches and
/// squeezes of 10–20 s, trigger points 10–30 s) as a press, not a hold.
///
/// A longer `duration` adds passes along the line (up, then down, then up …), never
/// more points: passes = max(1, ⌊D_side / (n·T)⌋), then T is stretched so the passes
/// fill the step exactly (so a press is never shorter than the nominal 5 s when the
/// step has time for one pass at it, and under 2·T otherwise: on the 307 mm paraspinal
/// line of the default body, 13 points, 2 min a line is one pass of 9.2 s cycles, 4 min
/// two). A step too short for one pass at `shortestCycle` presses only the middle
/// points that fit.
/// `rate`, when written in the step (the default 0.5 Hz is not used), sets the nominal
/// cycle: T = 1/rate (at least `shortestCycle`).
///
/// Lines: `from`→`to` when given (as effleurage), else the zone's lines (default the
/// paraspinal lines: "meridian lines beside the spine"). On both sides the left line
/// is worked upwards and the right line downwards, so no long travel comes between.
/// `duration` (default 2 min) is per area: each side of a both-sides zone gets D.
struct PressPlan: Sendable {
    /// Start and end of the run of points (the first and last point pressed).
    var line: Line
    /// Points on the line, and passes over them.
    var count: Int
    var passes: Int
    var cycle: Double
    var moveTime: Double
    var ramp: Double
    var intensity: Double
    var pressure: Double

    /// Between neighbouring points, mm on the default body (about a vertebra).
    static let spacingMillimetres = 25.0
    static let pressTime = 5.0
    /// The longest a press lasts (ramps included), the top of the usual 3–7 s: a longer
    /// cycle rests at zero after it. It also keeps successive presses near one spot
    /// under the envelope's firm-hold cap (35 s), with releases that drain it.
    static let longestPress = 7.0
    static let pressRamp = 1.0
    static let moveTime = 1.0
    /// The shortest cycle: a 3 s press (1 s in, 1 s held, 1 s out) and its move.
    static let shortestCycle = 4.0

    @inline(__always)
    func point(_ j: Int) -> BackPoint {
        count == 1 ? mix(line.start, line.end, 0.5) : mix(line.start, line.end, Double(j) / Double(count - 1))
    }

    /// The point pressed in cycle i: passes alternate direction.
    @inline(__always)
    func pointIndex(_ i: Int) -> Int {
        let pass = i / count, j = i - pass * count
        return pass & 1 == 0 ? j : count - 1 - j
    }

    var duration: Double { Double(count * passes) * cycle }

    func setpoint(at tau: Double) -> Setpoint {
        let total = count * passes
        let i = tau > 0 ? Int(Swift.min(tau / cycle, Double(total - 1))) : 0
        let t = Swift.min(tau - Double(i) * cycle, cycle)
        let here = point(pointIndex(i))
        if t < moveTime {
            let previous = i == 0 ? here : point(pointIndex(i - 1))
            return Setpoint(intensity: 0, pressure: 0, at: mix(previous, here, smoothstep(t / moveTime)))
        }
        // A cycle longer than a press (a long duration over few points) rests after it,
        // fully released, rather than pressing longer: a press stays a press.
        let press = Swift.min(cycle - moveTime, PressPlan.longestPress), u = t - moveTime
        guard u < press else { return Setpoint(intensity: 0, pressure: 0, at: here) }
        let level = Swift.min(smoothstep(u / ramp), smoothstep((press - u) / ramp))
        return Setpoint(intensity: intensity * level, pressure: pressure * level, at: here)
    }
}

enum Presses {
    static func pieces(_ step: ResolvedStep, limits: DeviceLimits) -> [Piece] {
        let p = step.parameters
        var lines: [Line]
        var targets: [Target]
        if p.from != nil || p.to != nil {
            let zoneLines = Placement.zoneLines(p.zone ?? .zone(.paraspinal, .both))
            let from = p.from ?? .point(zoneLines[0].start), to = p.to ?? .point(zoneLines[0].end)
            lines = Placement.strokeLines(from: from, to: to)
            let target = Placement.strokeTarget(from: from, to: to)
            targets = lines.count > 1 ? target.sides : [target]
            if targets.count != lines.count { targets = Array(repeating: target, count: lines.count) }
        } else {
            let zone = p.zone ?? .zone(.paraspinal, .both)
            lines = Placement.zoneLines(zone)
            targets = zone.sides
            if lines.count > 1 { lines[1] = Line(start: lines[1].end, end: lines[1].start) }
        }
        let perSide = p.duration ?? 120
        let intensity = step.intensity, pressure = step.pressure
        // Ramps within the slew limits: smoothstep's peak slope is 1.5·level/R.
        let ramp = Swift.max(PressPlan.pressRamp, 1.5 * intensity / limits.intensitySlew,
                             1.5 * pressure / limits.pressureSlew)
        return zip(lines, targets).map { line, target in
            let plan = plan(line: line, perSide: perSide, rate: step.written.rate, ramp: ramp,
                            intensity: intensity, pressure: pressure, limits: limits)
            return Piece(technique: .shiatsu, target: target, duration: perSide, motion: .presses(plan))
        }
    }

    static func plan(line: Line, perSide: Double, rate: Double?, ramp: Double,
                     intensity: Double, pressure: Double, limits: DeviceLimits) -> PressPlan {
        // Points a vertebra apart, in normalized units of this body, centred on the line.
        let lengthMillimetres = limits.body.millimetres(from: line.start, to: line.end)
        let spacing = PressPlan.spacingMillimetres * limits.body.shoulderHeight / BodyProfile.default.shoulderHeight
        var count = Swift.max(1, Int((lengthMillimetres / spacing).rounded(.down)) + 1)
        let step = lengthMillimetres > 0 ? spacing / lengthMillimetres : 0
        let move = Swift.max(PressPlan.moveTime, limits.travelTime(from: line.start, to: mix(line.start, line.end, step)))
        let shortest = Swift.max(PressPlan.shortestCycle, move + 2 * ramp + 1)
        let nominal = rate.map { $0 > 0 ? Swift.max(1 / $0, shortest) : shortest } ?? (PressPlan.pressTime + move)
        var passes = boundedCount((perSide / (Double(count) * nominal)).rounded(.down))
        if perSide < Double(count) * shortest {
            passes = 1
            count = boundedCount((perSide / shortest).rounded(.down))
        }
        let cycle = perSide / Double(count * passes)
        // The run of points: `count` points `spacing` apart, centred on the line.
        let half = 0.5 * Double(count - 1) * step
        let run = Line(start: mix(line.start, line.end, 0.5 - half), end: mix(line.start, line.end, 0.5 + half))
        let fitRamp = Swift.min(ramp, 0.5 * (cycle - move))
        return PressPlan(line: run, count: count, passes: passes, cycle: cycle, moveTime: Swift.min(move, 0.5 * cycle),
                         ramp: fitRamp, intensity: intensity, pressure: pressure)
    }
}
