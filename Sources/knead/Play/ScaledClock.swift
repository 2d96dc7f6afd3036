import KneadEngine

/// A real clock whose time runs `scale` times faster (`--time-scale`): the engine and
/// the simulator both read it, so a 12-minute pattern plays in 36 s at ×20 with every
/// frame, motor lag and watchdog in proportion.
///
/// Only the simulator may run on it: a real device keeps real time.
final class ScaledClock: EngineClock {
    let base: any EngineClock
    let scale: Double
    /// The base clock's time when this clock started; both read the same there.
    private let origin: UInt64

    init(base: any EngineClock, scale: Double) {
        precondition(scale > 0 && scale.isFinite, "time scale must be positive")
        self.base = base
        self.scale = scale
        origin = base.now()
    }

    var isRealTime: Bool { base.isRealTime }

    func now() -> UInt64 {
        let baseNow = base.now()
        guard baseNow > origin else { return baseNow }
        return origin &+ UInt64(Double(baseNow &- origin) * scale)
    }

    func sleep(until deadline: UInt64, precise: Bool) {
        base.sleep(until: baseTime(of: deadline), precise: precise)
    }

    func wake() {
        base.wake()
    }

    /// The base clock's time at which this clock reads `time`, rounded up so that after
    /// sleeping to it `now()` has reached `time`.
    func baseTime(of time: UInt64) -> UInt64 {
        guard time > origin else { return time }
        let scaled = (Double(time &- origin) / scale).rounded(.up)
        guard scaled < 1.8e19 else { return UInt64.max / 2 }
        return origin &+ UInt64(scaled) &+ 1
    }

    /// Seconds on this clock → seconds of real time.
    func realSeconds(_ scaledSeconds: Double) -> Double {
        scaledSeconds / scale
    }
}
