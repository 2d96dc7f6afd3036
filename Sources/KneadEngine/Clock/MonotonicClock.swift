import KneadSystem

/// The production clock: CLOCK_MONOTONIC, absolute-deadline sleeps
/// (clock_nanosleep TIMER_ABSTIME, so a late wakeup never pushes later deadlines
/// back), and an optional spin over the last stretch before a precise deadline.
///
/// Spinning trades CPU (14–19 % of a core at 1 kHz on the project's machines) for
/// wakeups within a few microseconds; see shared/PLATFORM.md.
public final class MonotonicClock: EngineClock {
    /// How long before a precise deadline to stop sleeping and spin; 0 = never spin.
    public let spinWindow: UInt64

    /// - Parameter precise: spin for the last `spinWindowNanoseconds` before each deadline.
    public init(precise: Bool = false, spinWindowNanoseconds: UInt64 = 200_000) {
        self.spinWindow = precise ? spinWindowNanoseconds : 0
    }

    public var isRealTime: Bool { true }

    @inline(__always)
    public func now() -> UInt64 {
        MonotonicTime.nanoseconds()
    }

    public func sleep(until deadline: UInt64, precise: Bool) {
        let spins = precise && spinWindow > 0
        let sleepDeadline = spins ? deadline &- min(spinWindow, deadline) : deadline
        // A signal may wake the thread early; the deadline is absolute, so sleeping
        // again to the same deadline loses nothing.
        while now() < sleepDeadline {
            if MonotonicTime.sleep(untilNanoseconds: sleepDeadline) { break }
        }
        guard spins else { return }
        while now() < deadline {}
    }
}
