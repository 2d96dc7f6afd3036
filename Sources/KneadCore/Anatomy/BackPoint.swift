/// A point on the upper back seen from behind, in normalized coordinates:
/// x from 0 (left edge) through 0.5 (spine) to 1 (right edge);
/// y from 0 (lower end of the rib cage) to 1 (base of the neck).
public struct BackPoint: Sendable, Hashable {
    public var x: Double
    public var y: Double
    public init(x: Double, y: Double) {
        self.x = x
        self.y = y
    }

    /// Where a device rests when nothing is happening: between the shoulder blades.
    public static let restPosition = BackPoint(x: 0.5, y: 0.5)

    public func distance(to other: BackPoint) -> Double {
        let dx = other.x - x, dy = other.y - y
        return (dx * dx + dy * dy).squareRoot()
    }

    /// The same point on the other side of the spine.
    public var mirrored: BackPoint { BackPoint(x: 1 - x, y: y) }

    public static func lerp(_ a: BackPoint, _ b: BackPoint, _ t: Double) -> BackPoint {
        BackPoint(x: a.x + (b.x - a.x) * t, y: a.y + (b.y - a.y) * t)
    }
}
