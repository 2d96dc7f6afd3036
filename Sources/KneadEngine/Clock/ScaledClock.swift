/// The play's clock: the monotonic clock, read from zero at the moment the play
/// starts, and running `scale` times faster for `--time-scale` (1 otherwise). The
/// engine and the simulator both read it, so a 13-minute pattern plays in 39 s at ×20
/// with every frame, motor lag and watchdog in proportion, and the simulator's trace
/// times and `--fault` times count from the start of the play.
///
/// Only the simulator may run faster than real time: a real device keeps real time.
public final class ScaledClock: EngineClock {
    public let base: any EngineClock
    public let scale: Double
    /// The base clock's time when this clock read zero.
    private let origin: UInt64

    public init(base: any EngineClock, scale: Double = 1) {
        precondition(scale > 0 && scale.isFinite, "time scale must be positive")
        self.base = base
        self.scale = scale
        origin = base.now()
    }

    public var isRealTime: Bool { base.isRealTime }

    public func now() -> UInt64 {
        let elapsed = base.now() &- origin
        return scale == 1 ? elapsed : UInt64(Double(elapsed) * scale)
    }

    public func sleep(until deadline: UInt64, precise: Bool) {
        base.sleep(until: baseTime(of: deadline), precise: precise)
    }

    public func wake() {
        base.wake()
    }

    /// The base clock's time at which this clock reads `time`, rounded up so that after
    /// sleeping to it `now()` has reached `time`.
    public func baseTime(of time: UInt64) -> UInt64 {
        guard scale != 1 else { return origin &+ time }
        let scaled = (Double(time) / scale).rounded(.up)
        guard scaled < 1.8e19 else { return UInt64.max / 2 }
        return origin &+ UInt64(scaled) &+ 1
    }
}
