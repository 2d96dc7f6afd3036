/// Strokes: effleurage, warm-up and deep-tissue.
///
/// N strokes of T_s seconds each, bottom to top along a line; between strokes a
/// light return of T_r seconds to the start of the next stroke; then a relax tail
/// of T_x seconds held still at the end of the last stroke while everything fades.
///
///     cycle k (k = 0…N−1) starts at k·(T_s + T_r)
///     stroke:  p = start_k + (end_k − start_k)·s(φ/T_s),   level = L
///     return:  ease off E (held at end_k, L → r·L), then back down its own line to
///              start_k at r·L; on both sides lift off there (r·L → 0, held) and cross
///              to start_(k+1) at 0, off the body over the spine; then ease in E
///              (held at start_(k+1), to L)
///     relax:   p = end_(N−1),                               level = L
///     × edge envelope: smoothstep in over R, smoothstep out over the whole relax tail
///
/// with s(u) = 3u² − 2u³, so every stroke and return leaves and arrives at rest, y
/// rises strictly during strokes and the stroke count is the number of upward passes.
/// A return is light, r = 0.2 of the stroke's level (under the quarter a return may
/// have, and never firm), and lateral: it comes back down beside the spine on its own
/// side and never runs diagonally over it. On both sides the strokes alternate lines:
/// left, right, left, … (stroke k on side k mod 2), crossing over at the bottom, off
/// the body over the spine. `strokes` N and `duration` D are per side, as `duration`
/// is per area for every technique: a both-sides step plays 2N strokes, N on each
/// side, and lasts 2D.
///
/// - effleurage: from `from` to `to` (default lower-ribs → neck-base: the paraspinal
///   lines, x = 0.44 and 0.56, y 0.02 → 0.98), light.
/// - warm-up: sweeps bottom to top through `zone` (default the paraspinal lines), light.
/// - deep-tissue: `from`→`to` when given, else bottom to top through `zone` (default
///   rhomboids), firm and slow.
///
/// Timing: T_r = max(½·T_s, 2E + the return's legs at the device's travel speed + the
/// lift); E = max(0.3 s, 1.5·L/slew) and the lift max(0.3 s, 1.5·r·L/slew) for each
/// channel, so no level changes faster than the device's slew; T_x = max(3 s, R). The
/// legs share T_r − 2E in proportion to their shortest times.
/// Without `duration`, the step lasts N·T_s + (N−1)·T_r + T_x.
/// With `duration` D, N comes from `strokes` if written, else from D and `stroke`
/// (rounded), and T_s is stretched so the step lasts exactly D.
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
    /// E: time to ease from the stroke's level to the return's and back.
    var ease: Double
    /// The return's moving legs, seconds: down its own line, lifting off at the bottom
    /// (both sides only), across to the other line (both sides only).
    var downTime: Double
    var liftTime: Double
    var acrossTime: Double
    var envelope: EdgeEnvelope

    static let returnFraction = 0.5
    /// r: a return's level as a share of its stroke's.
    static let returnLevel = 0.2
    static let shortestEase = 0.3
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
        let r = Self.returnLevel
        let t = phase - strokeTime
        let here = line(k), next = line(k + 1)
        // Off the body while crossing to the other side; light on the way down.
        let crossing = liftTime > 0
        let p: BackPoint
        var level: Double
        if t < ease {
            p = here.end
            level = 1 - (1 - r) * smoothstep(t / ease)
        } else if t > returnTime - ease {
            p = next.start
            let from = crossing ? 0 : r
            level = from + (1 - from) * smoothstep((t - (returnTime - ease)) / ease)
        } else if t < ease + downTime {
            p = mix(here.end, here.start, smoothstep((t - ease) / downTime))
            level = r
        } else if t < ease + downTime + liftTime {
            p = here.start
            level = r * (1 - smoothstep((t - ease - downTime) / liftTime))
        } else {
            let w = acrossTime > 0 ? (t - ease - downTime - liftTime) / acrossTime : 1
            p = mix(here.start, next.start, smoothstep(w))
            level = 0
        }
        return Setpoint(intensity: intensity * level * e, pressure: pressure * level * e, at: p)
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
        // The return must be within the device's reach whatever the stroke length: ease
        // off, down its own line, across at the bottom, ease in.
        let ease = Swift.max(StrokePlan.shortestEase, 1.5 * intensity / limits.intensitySlew,
                             1.5 * pressure / limits.pressureSlew)
        let down = Swift.max(limits.travelTime(from: first.end, to: first.start),
                             limits.travelTime(from: second.end, to: second.start))
        let across = first == second ? 0 : Swift.max(limits.travelTime(from: first.start, to: second.start),
                                                      limits.travelTime(from: second.start, to: first.start))
        let lift = across > 0 ? Swift.max(StrokePlan.shortestEase,
                                          1.5 * StrokePlan.returnLevel * intensity / limits.intensitySlew,
                                          1.5 * StrokePlan.returnLevel * pressure / limits.pressureSlew) : 0
        let shortestReturn = 2 * ease + down + lift + across
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
            let shortestStroke = Swift.max(limits.travelTime(from: first.start, to: first.end),
                                            limits.travelTime(from: second.start, to: second.end))
            stroke = fittedStroke(body: body, count: &count, shortestReturn: shortestReturn,
                                  shortestStroke: shortestStroke)
            if sideCount == 2, count % 2 == 1 {
                // Fitting dropped one stroke: drop its partner too, so the sides stay even.
                count = Swift.max(2, count - 1)
                stroke = fittedStroke(body: body, count: &count, shortestReturn: shortestReturn,
                                      shortestStroke: shortestStroke)
            }
        }
        let returnTime = count > 1 ? Swift.max(f * stroke, shortestReturn) : 0
        let duration = Double(count) * stroke + Double(count - 1) * returnTime + relax

        // The legs share what the return has beyond its two eases, in proportion.
        let legs = down + lift + across
        let legScale = legs > 0 && returnTime > 0 ? (returnTime - 2 * ease) / legs : 0
        let plan = StrokePlan(first: first, second: second, count: count, strokeTime: stroke,
                              returnTime: returnTime, intensity: intensity, pressure: pressure,
                              ease: ease, downTime: down * legScale, liftTime: lift * legScale,
                              acrossTime: across * legScale,
                              envelope: EdgeEnvelope(duration: duration, rampIn: ramp, rampOut: relax))
        return [Piece(technique: step.technique, target: target, duration: duration, motion: .strokes(plan))]
    }

    /// The stroke length that fills `body` seconds with `count` strokes and their
    /// returns (each at least `shortestReturn`); fewer strokes when they would not fit
    /// (each stroke at least 1 s, and at least the time the device needs for it).
    static func fittedStroke(body: Double, count: inout Int, shortestReturn: Double,
                             shortestStroke: Double = 0) -> Double {
        let f = StrokePlan.returnFraction
        let minimumStroke = Swift.max(1.0, shortestStroke)
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
