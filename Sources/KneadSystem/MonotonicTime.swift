import CKneadSystem
import Glibc

/// CLOCK_MONOTONIC, the clock every real-time part of knead reads: the engine's
/// deadlines, the simulator's trace origin and the tests that compare the two.
public enum MonotonicTime {
    @inline(__always)
    public static func nanoseconds() -> UInt64 {
        knead_monotonic_now_ns()
    }

    public static func seconds() -> Double {
        Double(nanoseconds()) / 1e9
    }

    /// Sleeps to an absolute deadline (TIMER_ABSTIME), so a late wake-up never pushes
    /// later deadlines back. Returns false when a signal woke the thread early: the
    /// deadline is absolute, so sleeping again to it loses nothing.
    @discardableResult
    public static func sleep(untilNanoseconds deadline: UInt64) -> Bool {
        knead_monotonic_sleep_until_ns(deadline) != EINTR
    }
}
