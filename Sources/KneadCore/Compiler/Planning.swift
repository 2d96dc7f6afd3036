/// The shared vocabulary of the technique planners: a step with its defaults filled
/// in, the pieces a planner returns, and where zones put their lines and anchors.

/// One executed step (after `repeat` expansion) with every parameter resolved.
struct ResolvedStep: Sendable {
    var index: Int
    var technique: Technique
    /// The step as written (nil = left out): planners look here to know what was
    /// asked for explicitly, e.g. effleurage fits the stroke length when `strokes` and
    /// `duration` are both given.
    var written: StepParameters
    /// Written values over `TechniqueDefaults.defaults(technique)`.
    var parameters: StepParameters
    var location: SourceLocation

    var intensity: Double { parameters.intensity ?? 0 }
    var pressure: Double { parameters.pressure ?? 0 }
    var heat: Double { parameters.heat ?? 0 }
}

/// A stretch of work a planner asks for. The compiler lays pieces end to end, joins
/// them with travel where one ends somewhere else than the next begins, and stamps
/// times, step index and heat.
struct Piece: Sendable {
    var technique: Technique
    var target: Target
    var duration: Double
    var motion: Motion
}

/// A straight path on the back, from `start` to `end`.
struct Line: Sendable, Equatable {
    var start: BackPoint
    var end: BackPoint
}

enum Placement {
    /// The side to use for `target` when the step works `side` (nil: the target's own).
    static func resolve(_ target: Target, on side: Side?) -> Target {
        if case let .zone(zone, .both) = target, zone.hasSides, let side {
            return .zone(zone, side)
        }
        return target
    }

    /// The sides a stroke from `from` to `to` is worked on: both when either end is a
    /// both-sides zone, otherwise the one line between them.
    static func strokeSides(from: Target, to: Target) -> [Side?] {
        if from.sides.count > 1 || to.sides.count > 1 { return [.left, .right] }
        return [nil]
    }

    /// Where a stroke starts or ends for a target. The landmarks of the spine
    /// (lower-ribs, neck-base, paraspinal) anchor on the paraspinal line of their side,
    /// so strokes between them follow the spine; other zones anchor at their centre.
    static func anchor(_ target: Target) -> BackPoint {
        switch target {
        case let .point(p):
            return p
        case let .zone(zone, side):
            let region = Anatomy.region(of: zone, side: side)
            switch (zone, side) {
            case (.lowerRibs, .left), (.neckBase, .left), (.paraspinal, .left):
                return BackPoint(x: Anatomy.paraspinalX, y: region.center.y)
            case (.lowerRibs, .right), (.neckBase, .right), (.paraspinal, .right):
                return BackPoint(x: 1 - Anatomy.paraspinalX, y: region.center.y)
            default:
                return region.center
            }
        }
    }

    /// The lines of strokes from `from` to `to`, one per side worked.
    static func strokeLines(from: Target, to: Target) -> [Line] {
        strokeSides(from: from, to: to).map { side in
            Line(start: anchor(resolve(from, on: side)), end: anchor(resolve(to, on: side)))
        }
    }

    /// A zone's own line, bottom to top through its centre, one per side.
    static func zoneLines(_ target: Target) -> [Line] {
        target.sides.map { sided in
            let r = sided.region
            return Line(start: BackPoint(x: r.center.x, y: r.center.y - r.halfHeight),
                        end: BackPoint(x: r.center.x, y: r.center.y + r.halfHeight))
        }
    }

    /// The name a step's strokes go by: the paraspinal lines when both ends anchor on
    /// them, otherwise where the strokes start.
    static func strokeTarget(from: Target, to: Target) -> Target {
        func onLines(_ t: Target) -> Side? {
            if case let .zone(zone, side) = t, [.lowerRibs, .neckBase, .paraspinal].contains(zone) { return side }
            return nil
        }
        if let a = onLines(from), let b = onLines(to) {
            return .zone(.paraspinal, a == b ? a : .both)
        }
        return from
    }
}

/// A count from a computed real number, bounded so absurd inputs cannot trap.
@inline(__always)
func boundedCount(_ x: Double, maximum: Int = 1_000_000_000) -> Int {
    guard x.isFinite, x >= 1 else { return 1 }
    return x >= Double(maximum) ? maximum : Int(x)
}
