import KneadCore

/// Maps anatomical coordinates (normalized on the upper back) to the device's
/// millimetres and back, for one body on one device.
///
/// Chair (a track of `trackWidth` × `trackLength` mm, its y axis measured from the
/// lower end of the track):
///
///     x_mm = trackWidth / 2 + (x − 0.5) × backWidth       (the spine on the track's centre line)
///     y_mm = trackLength − neckOffset − (1 − y) × shoulderHeight
///                                                        (the base of the neck `neckOffset` mm
///                                                         below the upper end of the track)
///
/// both clamped to the track. Handheld (no track; millimetres on the body itself, from
/// the lower left corner of the upper back): `x_mm = x × backWidth`,
/// `y_mm = y × shoulderHeight`, clamped to the body.
public struct BodyMapping: Sendable, Equatable {
    /// Millimetres at anatomical (0, 0).
    public let originX: Double
    public let originY: Double
    public let backWidth: Double
    public let shoulderHeight: Double
    /// The reachable area, mm: the track, or the body for a handheld.
    public let width: Double
    public let length: Double

    /// Where the base of the neck sits below the upper end of a chair's track, mm.
    public static let defaultNeckOffset = 60.0

    public init(profile: DeviceProfile, body: BodyProfile = .default,
                neckOffset: Double = BodyMapping.defaultNeckOffset) {
        backWidth = body.backWidth
        shoulderHeight = body.shoulderHeight
        if let track = profile.position {
            width = track.trackWidth
            length = track.trackLength
            originX = track.trackWidth / 2 - 0.5 * body.backWidth
            originY = track.trackLength - neckOffset - body.shoulderHeight
        } else {
            width = body.backWidth
            length = body.shoulderHeight
            originX = 0
            originY = 0
        }
    }

    /// Millimetres of an anatomical point, not clamped (what was asked).
    public func millimetres(of point: BackPoint) -> (x: Double, y: Double) {
        (originX + point.x.finiteOrZero * backWidth, originY + point.y.finiteOrZero * shoulderHeight)
    }

    /// Millimetres of an anatomical point, clamped to the reachable area.
    public func reachableMillimetres(of point: BackPoint) -> (x: Double, y: Double) {
        let mm = millimetres(of: point)
        return (Swift.min(width, Swift.max(0, mm.x)), Swift.min(length, Swift.max(0, mm.y)))
    }

    /// The anatomical point at a position in millimetres.
    public func point(x: Double, y: Double) -> BackPoint {
        BackPoint(x: (x - originX) / backWidth, y: (y - originY) / shoulderHeight)
    }
}

extension Double {
    /// NaN and infinities become 0: bad input never moves a motor.
    var finiteOrZero: Double { isFinite ? self : 0 }
}
