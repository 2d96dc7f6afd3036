/// Shiatsu: press-and-release points stepping along the lines beside the spine.
///
/// n points evenly spaced along a line, one press cycle of T seconds each:
///
///     cycle j = ⌊τ/T⌋, φ = τ/T − j
///     step     φ < m:  p = point_(j−1) + (point_j − point_(j−1))·s(φ/m),  press = 0
///     press    φ ≥ m:  p = point_j,  press = sin²(π·(φ − m)/(1 − m))
///     intensity = L·e(τ)·(1 − d_i + d_i·press)
///     pressure  = P·e(τ)·(1 − d_p + d_p·press)
///
/// m = 0.3 of each cycle moves to the next point (the first cycle starts on its point),
/// the rest presses in and releases. n = round(D_side·rate) (at least 1) and T =
/// D_side/n, so the presses come at `rate` (default 0.5 Hz) and fill the step exactly.
/// Depth d = 0.8 (released to 20 % between presses), less when the channel's slew limit
/// asks for it (peak·d·π/((1 − m)·T) ≤ ¾·slew).
///
/// Lines: `from`→`to` when given (as effleurage), else the zone's lines (default the
/// paraspinal lines: "meridian lines beside the spine"). On both sides the left line
/// is worked upwards and the right line downwards, so no long travel comes between.
/// `duration` (default 2 min) is per area: each side of a both-sides zone gets D.
struct PressPlan: Sendable {
    var line: Line
    var count: Int
    var cycle: Double
    var intensity: Double
    var pressure: Double
    var intensityDepth: Double
    var pressureDepth: Double
    var envelope: EdgeEnvelope

    static let moveFraction = 0.3
    static let depth = 0.8

    @inline(__always)
    func point(_ j: Int) -> BackPoint {
        count == 1 ? mix(line.start, line.end, 0.5) : mix(line.start, line.end, Double(j) / Double(count - 1))
    }

    func setpoint(at tau: Double) -> Setpoint {
        let m = Self.moveFraction
        let j = tau > 0 ? Int(Swift.min(tau / cycle, Double(count - 1))) : 0
        let phase = tau / cycle - Double(j)
        let p: BackPoint
        var press = 0.0
        if phase < m {
            p = j == 0 ? point(0) : mix(point(j - 1), point(j), smoothstep(phase / m))
        } else {
            p = point(j)
            press = pulse((phase - m) / (1 - m))
        }
        let e = envelope.factor(tau)
        return Setpoint(intensity: intensity * e * (1 - intensityDepth + intensityDepth * press),
                        pressure: pressure * e * (1 - pressureDepth + pressureDepth * press), at: p)
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
        let rate = p.rate ?? 0.5
        let count = boundedCount((perSide * rate).rounded())
        let cycle = perSide / Double(count)
        let intensity = step.intensity, pressure = step.pressure
        let slope = Double.pi / ((1 - PressPlan.moveFraction) * cycle)
        let ramp = limits.edgeRamp(intensity: intensity, pressure: pressure)
        let plan = PressPlan(
            line: lines[0], count: count, cycle: cycle, intensity: intensity, pressure: pressure,
            intensityDepth: Shaping.rhythmDepth(desired: PressPlan.depth, peak: intensity, shapeSlope: slope,
                                                slew: limits.intensitySlew),
            pressureDepth: Shaping.rhythmDepth(desired: PressPlan.depth, peak: pressure, shapeSlope: slope,
                                               slew: limits.pressureSlew),
            envelope: EdgeEnvelope(duration: perSide, rampIn: ramp, rampOut: ramp))
        return zip(lines, targets).map { line, target in
            var sided = plan
            sided.line = line
            return Piece(technique: .shiatsu, target: target, duration: perSide, motion: .presses(sided))
        }
    }
}
