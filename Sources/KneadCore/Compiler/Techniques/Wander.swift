/// Wander: the slow path a technique's centre follows to cover its zone.
///
///     offset(τ) = (a_x·sin(2π·n_x·τ/D), a_y·sin(2π·n_y·τ/D))
///
/// a Lissajous figure with whole numbers of cycles n_x ≠ n_y over the piece's length
/// D, so it starts and ends at the zone's centre; a = share × the zone's half-width
/// and half-height, n ≈ D / period (at least 1).
struct Wander: Sendable {
    var amplitudeX: Double
    var amplitudeY: Double
    /// Cycles per second (n / D).
    var frequencyX: Double
    var frequencyY: Double

    static let none = Wander(amplitudeX: 0, amplitudeY: 0, frequencyX: 0, frequencyY: 0)

    init(amplitudeX: Double, amplitudeY: Double, frequencyX: Double, frequencyY: Double) {
        self.amplitudeX = amplitudeX
        self.amplitudeY = amplitudeY
        self.frequencyX = frequencyX
        self.frequencyY = frequencyY
    }

    /// Covering `region` with `share` of its extent, about one x cycle per `periodX`
    /// seconds and one y cycle per `periodY` seconds over `duration`.
    init(over region: ZoneRegion, share: Double, periodX: Double, periodY: Double, duration: Double) {
        let cyclesX = boundedCount((duration / periodX).rounded())
        var cyclesY = boundedCount((duration / periodY).rounded())
        if cyclesY == cyclesX { cyclesY += 1 }
        self.init(amplitudeX: share * region.halfWidth, amplitudeY: share * region.halfHeight,
                  frequencyX: Double(cyclesX) / duration, frequencyY: Double(cyclesY) / duration)
    }

    @inline(__always)
    func offset(at tau: Double) -> (dx: Double, dy: Double) {
        if amplitudeX == 0 && amplitudeY == 0 { return (0, 0) }
        return (amplitudeX * sinTurns(frequencyX * tau), amplitudeY * sinTurns(frequencyY * tau))
    }
}
