/// The engine's source of time, injected so tests can run on virtual time.
///
/// Times are nanoseconds on a monotonic scale whose zero means nothing in itself;
/// only differences and deadlines on the same clock are meaningful.
public protocol EngineClock: AnyObject, Sendable {
    /// Nanoseconds now. Callable from any thread.
    func now() -> UInt64

    /// Blocks the calling thread until `deadline` (absolute, nanoseconds). May return
    /// early (a signal, `wake()`), so callers re-read `now()` and sleep again.
    ///
    /// - Parameter precise: the deadline is one a frame is due at, so the clock may
    ///   spend effort to hit it exactly (spin the last microseconds). The engine
    ///   passes `false` for the intermediate slices of a long wait.
    func sleep(until deadline: UInt64, precise: Bool)

    /// Asks a thread blocked in `sleep` to return early. A clock that cannot do this
    /// leaves it a no-op; the engine sleeps in slices of at most one frame period,
    /// so it still notices a stop within a period.
    func wake()

    /// Whether time passes by itself (a real clock). The engine then runs its loop on
    /// a dedicated real-time thread; on a virtual clock it runs on the caller's thread.
    var isRealTime: Bool { get }
}

extension EngineClock {
    public func wake() {}
}

/// Conversions between the engine's nanoseconds and the frames' seconds.
enum Nanoseconds {
    static let perSecond: Double = 1_000_000_000

    /// Seconds to nanoseconds, rounded; negative and NaN become 0, huge values saturate.
    static func from(seconds: Double) -> UInt64 {
        guard seconds > 0 else { return 0 }  // also false for NaN
        let nanoseconds = (seconds * perSecond).rounded()
        guard nanoseconds < 1.8e19 else { return UInt64.max / 2 }
        return UInt64(nanoseconds)
    }

    static func seconds(_ nanoseconds: UInt64) -> Double {
        Double(nanoseconds) / perSecond
    }
}
