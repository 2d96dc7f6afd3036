/// The named muscles and landmarks of the upper back a pattern can target
/// (the anatomy table of TECHNIQUES.md).
public enum Zone: String, Sendable, CaseIterable, Hashable {
    case lowerRibs = "lower-ribs"
    case neckBase = "neck-base"
    case upperTrapezius = "upper-trapezius"
    case middleTrapezius = "middle-trapezius"
    case lowerTrapezius = "lower-trapezius"
    case levatorScapulae = "levator-scapulae"
    case supraspinatus
    case rhomboids
    case teres
    case latissimus
    case paraspinal
    case spine

    /// The spine is one line in the middle: it has no left or right.
    public var hasSides: Bool { self != .spine }
}

public enum Side: String, Sendable, CaseIterable, Hashable {
    case left, right
    /// No side given: both sides (the compiler works them in turn, left first).
    case both
}

/// Where a step works: a named zone (with its side) or an explicit point.
public enum Target: Sendable, Hashable {
    case zone(Zone, Side)
    case point(BackPoint)

    /// The name used in outputs: `rhomboids`, `upper-trapezius-left`, `point(0.40,0.62)`.
    public var name: String {
        switch self {
        case let .zone(zone, .both): return zone.rawValue
        case let .zone(zone, side): return "\(zone.rawValue)-\(side.rawValue)"
        case let .point(p): return "point(\(Self.format(p.x)),\(Self.format(p.y)))"
        }
    }

    /// Parses `rhomboids`, `rhomboids-left`, `upper-trapezius-right` (not points).
    public init?(name: String) {
        if let zone = Zone(rawValue: name) {
            self = .zone(zone, .both)
            return
        }
        for side in [Side.left, .right] where name.hasSuffix("-" + side.rawValue) {
            let base = String(name.dropLast(side.rawValue.count + 1))
            if let zone = Zone(rawValue: base), zone.hasSides {
                self = .zone(zone, side)
                return
            }
        }
        return nil
    }

    /// Every name `init(name:)` accepts, for suggestions and docs.
    public static let allNames: [String] = Zone.allCases.flatMap { zone -> [String] in
        zone.hasSides ? [zone.rawValue, zone.rawValue + "-left", zone.rawValue + "-right"] : [zone.rawValue]
    }

    /// The region this target covers (a point is a region of size zero).
    public var region: ZoneRegion {
        switch self {
        case let .zone(zone, side): return Anatomy.region(of: zone, side: side)
        case let .point(p): return ZoneRegion(center: p, halfWidth: 0, halfHeight: 0)
        }
    }

    /// The sides a target is worked on, in order: `[.left, .right]` for a both-sides zone.
    public var sides: [Target] {
        if case let .zone(zone, .both) = self, zone.hasSides {
            return [.zone(zone, .left), .zone(zone, .right)]
        }
        return [self]
    }

    private static func format(_ v: Double) -> String {
        let scaled = (v * 100).rounded()
        let whole = Int(scaled) / 100, frac = abs(Int(scaled) % 100)
        return "\(whole)." + (frac < 10 ? "0\(frac)" : "\(frac)")
    }
}

/// An axis-aligned extent around a centre, in normalized back coordinates.
public struct ZoneRegion: Sendable, Hashable {
    public var center: BackPoint
    public var halfWidth: Double
    public var halfHeight: Double
    public init(center: BackPoint, halfWidth: Double, halfHeight: Double) {
        self.center = center
        self.halfWidth = halfWidth
        self.halfHeight = halfHeight
    }
}
