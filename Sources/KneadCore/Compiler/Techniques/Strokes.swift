/// Strokes: effleurage, warm-up and deep-tissue.
///
/// N strokes of T_s seconds each, bottom to top along a line; between strokes a
/// lighter return of T_r seconds to the start of the next stroke; then a relax tail
/// of T_x seconds held still at the end of the last stroke while everything fades.
///
///     cycle k (k = 0…N−1) starts at k·(T_s + T_r)
///     stroke:  p = start_k + (end_k − start_k)·s(φ/T_s),   level = L
///     return:  p = end_k + (start_k+1 − end_k)·s(u),        level = L·(1 − δ·sin²(πu)),  u = (φ − T_s)/T_r
///     relax:   p = end_(N−1),                               level = L
///     × edge envelope: smoothstep in over R, smoothstep out over the whole relax tail
///
/// with s(u) = 3u² − 2u³, so every stroke and return leaves and arrives at rest, y
/// rises strictly during strokes and the stroke count is the number of upward passes.
/// On both sides the strokes alternate lines: left, right, left, … (stroke k on side
/// k mod 2), the return crossing over at the bottom. `strokes` N and `duration` D are
/// per side, as `duration` is per area for every technique: a both-sides step plays
/// 2N strokes, N on each side, and lasts 2D.
///
/// - effleurage: from `from` to `to` (default lower-ribs → neck-base: the paraspinal
///   lines, x = 0.44 and 0.56, y 0.02 → 0.98), light.
/// - warm-up: sweeps bottom to top through `zone` (default the paraspinal lines), light.
/// - deep-tissue: `from`→`to` when given, else bottom to top through `zone` (default
///   rhomboids), firm and slow.
///
/// Timing: T_r = max(½·T_s, time the device needs for the return at its travel
/// speed); T_x = max(3 s, R). Without `duration`, the step lasts N·T_s + (N−1)·T_r + T_x.
/// With `duration` D, N comes from `strokes` if written, else from D and `stroke`
/// (rounded), and T_s is stretched so the step lasts exactly D. The return is lighter:
/// δ = 0.65 (35 % at mid-return), less if the channel's slew limit asks for it.
/// Strokes keep the timing written even if faster than the device moves (the safety
/// envelope then limits the speed); returns are planned within it.
struct StrokePlan: Sendable {
    var first: Line
    var second: Line
    var count: Int
    var strokeTime: Double
    var returnTime: Double
    var intensity: Double
    var pressure: Double
    /// δ: how much lighter the middle of a return is (0…1).
    var returnDip: Double
    var envelope: EdgeEnvelope

    static let returnFraction = 0.5
    static let returnLevel = 0.35
    static let relaxTime = 3.0

    @inline(__always)
    func line(_ k: Int) -> Line { k & 1 == 0 ? first : second }

    func setpoint(at tau: Double) -> Setpoint {
        let cycle = strokeTime + returnTime
        let k = tau > 0 ? Int(Swift.min(tau / cycle, Double(count - 1))) : 0
        let phase = tau - Double(k) * cycle
        let e = envelope.factor(tau)
        if phase <= strokeTime || k == count - 1 {
            let l = line(k)
            let p = mix(l.start, l.end, smoothstep(phase / strokeTime))
            return Setpoint(intensity: intensity * e, pressure: pressure * e, at: p)
        }
        let u = (phase - strokeTime) / returnTime
        let p = mix(line(k).end, line(k + 1).start, smoothstep(u))
        let lighter = 1 - returnDip * pulse(u)
        return Setpoint(intensity: intensity * lighter * e, pressure: pressure * lighter * e, at: p)
    }
}

enum Strokes {
    static func pieces(_ step: ResolvedStep, limits: DeviceLimits) -> [Piece] {
        let p = step.parameters
        let lines: [Line]
        let target: Target
        switch step.technique {
        case .effleurage:
            let from = p.from ?? .zone(.lowerRibs, .both), to = p.to ?? .zone(.neckBase, .both)
            lines = Placement.strokeLines(from: from, to: to)
            target = Placement.strokeTarget(from: from, to: to)
        case .deepTissue where p.from != nil || p.to != nil:
            let zone = p.zone ?? .zone(.rhomboids, .both)
            let zoneLines = Placement.zoneLines(zone)
            let from = p.from ?? .point(zoneLines[0].start), to = p.to ?? .point(zoneLines[0].end)
            lines = Placement.strokeLines(from: from, to: to)
            target = Placement.strokeTarget(from: from, to: to)
        default:
            let zone = p.zone ?? .zone(.paraspinal, .both)
            lines = Placement.zoneLines(zone)
            target = zone
        }
        let first = lines[0], second = lines.count > 1 ? lines[1] : lines[0]

        let intensity = step.intensity, pressure = step.pressure
        let ramp = limits.edgeRamp(intensity: intensity, pressure: pressure)
        var relax = Swift.max(StrokePlan.relaxTime, ramp)
        // The return must be within the device's reach whatever the stroke length.
        let shortestReturn = Swift.max(limits.travelTime(from: first.end, to: second.start),
                                       limits.travelTime(from: second.end, to: first.start))
        let f = StrokePlan.returnFraction
        var stroke = p.stroke ?? 8
        // `strokes` and `duration` are per side (per area): both sides get N strokes
        // each, alternating, 2N in all, over 2D seconds.
        let sideCount = lines.count > 1 ? 2 : 1
        var count = Swift.max(1, p.strokes ?? 1) * sideCount

        if let perSide = p.duration {
            let total = perSide * Double(sideCount)
            var body = total - relax
            if body <= 0 {
                relax = total / 4
                body = total - relax
            }
            if let written = step.written.strokes {
                count = Swift.max(1, written) * sideCount
            } else {
                let perSideBody = body / Double(sideCount)
                count = boundedCount(((perSideBody + f * stroke) / ((1 + f) * stroke)).rounded()) * sideCount
            }
            stroke = fittedStroke(body: body, count: &count, shortestReturn: shortestReturn)
            if sideCount == 2, count % 2 == 1 {
                // Fitting dropped one stroke: drop its partner too, so the sides stay even.
                count = Swift.max(2, count - 1)
                stroke = fittedStroke(body: body, count: &count, shortestReturn: shortestReturn)
            }
        }
        let returnTime = count > 1 ? Swift.max(f * stroke, shortestReturn) : 0
        let duration = Double(count) * stroke + Double(count - 1) * returnTime + relax

        let dipSlope = returnTime > 0 ? Double.pi / returnTime : 0
        let dip = Swift.min(
            Shaping.rhythmDepth(desired: 1 - StrokePlan.returnLevel, peak: intensity, shapeSlope: dipSlope,
                                slew: limits.intensitySlew),
            Shaping.rhythmDepth(desired: 1 - StrokePlan.returnLevel, peak: pressure, shapeSlope: dipSlope,
                                slew: limits.pressureSlew))
        let plan = StrokePlan(first: first, second: second, count: count, strokeTime: stroke,
                              returnTime: returnTime, intensity: intensity, pressure: pressure,
                              returnDip: dip,
                              envelope: EdgeEnvelope(duration: duration, rampIn: ramp, rampOut: relax))
        return [Piece(technique: step.technique, target: target, duration: duration, motion: .strokes(plan))]
    }

    /// The stroke length that fills `body` seconds with `count` strokes and their
    /// returns (each at least `shortestReturn`); fewer strokes when they would not fit.
    static func fittedStroke(body: Double, count: inout Int, shortestReturn: Double) -> Double {
        let f = StrokePlan.returnFraction
        let minimumStroke = 1.0
        if count > 1, (body + shortestReturn) / Double(count) - shortestReturn < minimumStroke {
            count = boundedCount(((body + shortestReturn) / (minimumStroke + shortestReturn)).rounded(.down))
        }
        guard count > 1 else { return body }
        let n = Double(count)
        let stroke = body / (n * (1 + f) - f)
        if f * stroke >= shortestReturn { return stroke }
        return (body - (n - 1) * shortestReturn) / n
    }
}
