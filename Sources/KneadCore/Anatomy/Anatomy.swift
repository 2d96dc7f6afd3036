/// Where each zone lies on the normalized back (see `BackPoint`).
///
/// Figures are for the left side seen from behind; the right side is the mirror image.
/// They place the muscles as the articles in ../shared/domain/sources describe them:
/// the trapezius from the neck outwards over the shoulders, the rhomboids between the
/// shoulder blades, the paraspinal lines just beside the spine, and so on.
public enum Anatomy {
    /// Half-width of the spine line: firm pressure closer than this to x = 0.5 is on bone.
    public static let spineHalfWidth = 0.03
    /// x of the left paraspinal line (the right one is 1 − this).
    public static let paraspinalX = 0.44

    public static func isOnSpineLine(_ p: BackPoint) -> Bool {
        abs(p.x - 0.5) < spineHalfWidth
    }

    /// The nearest paraspinal line point, where firm work on the spine is moved to.
    public static func nearestParaspinal(to p: BackPoint) -> BackPoint {
        BackPoint(x: p.x <= 0.5 ? paraspinalX : 1 - paraspinalX, y: p.y)
    }

    /// Left-side region of each zone (centre, half-width, half-height).
    static func leftRegion(of zone: Zone) -> ZoneRegion {
        switch zone {
        case .lowerRibs:       return ZoneRegion(center: BackPoint(x: 0.40, y: 0.02), halfWidth: 0.10, halfHeight: 0.02)
        case .neckBase:        return ZoneRegion(center: BackPoint(x: 0.45, y: 0.98), halfWidth: 0.03, halfHeight: 0.02)
        case .upperTrapezius:  return ZoneRegion(center: BackPoint(x: 0.30, y: 0.92), halfWidth: 0.12, halfHeight: 0.05)
        case .middleTrapezius: return ZoneRegion(center: BackPoint(x: 0.32, y: 0.68), halfWidth: 0.12, halfHeight: 0.08)
        case .lowerTrapezius:  return ZoneRegion(center: BackPoint(x: 0.38, y: 0.38), halfWidth: 0.07, halfHeight: 0.15)
        case .levatorScapulae: return ZoneRegion(center: BackPoint(x: 0.37, y: 0.90), halfWidth: 0.04, halfHeight: 0.07)
        case .supraspinatus:   return ZoneRegion(center: BackPoint(x: 0.22, y: 0.82), halfWidth: 0.09, halfHeight: 0.04)
        case .rhomboids:       return ZoneRegion(center: BackPoint(x: 0.40, y: 0.62), halfWidth: 0.05, halfHeight: 0.13)
        case .teres:           return ZoneRegion(center: BackPoint(x: 0.12, y: 0.60), halfWidth: 0.06, halfHeight: 0.08)
        case .latissimus:      return ZoneRegion(center: BackPoint(x: 0.16, y: 0.25), halfWidth: 0.11, halfHeight: 0.18)
        case .paraspinal:      return ZoneRegion(center: BackPoint(x: paraspinalX, y: 0.50), halfWidth: 0.015, halfHeight: 0.48)
        case .spine:           return ZoneRegion(center: BackPoint(x: 0.50, y: 0.50), halfWidth: 0.0, halfHeight: 0.48)
        }
    }

    /// The region of a zone on a side. For `.both`, the region spanning both sides
    /// (centred on the spine); the compiler works such zones one side at a time.
    public static func region(of zone: Zone, side: Side) -> ZoneRegion {
        let left = leftRegion(of: zone)
        switch side {
        case .left:
            return left
        case .right:
            return ZoneRegion(center: left.center.mirrored, halfWidth: left.halfWidth, halfHeight: left.halfHeight)
        case .both:
            guard zone.hasSides else { return left }
            let outer = left.center.x - left.halfWidth
            return ZoneRegion(center: BackPoint(x: 0.5, y: left.center.y),
                              halfWidth: 0.5 - outer, halfHeight: left.halfHeight)
        }
    }
}
