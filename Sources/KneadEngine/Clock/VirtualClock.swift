import KneadSystem
import Synchronization

/// A clock for tests and for playing faster than real time: time stands still until
/// someone sleeps, and a sleep moves time straight to its deadline. The engine on a
/// virtual clock plays a 15-minute pattern in milliseconds, and every send lands
/// exactly on its deadline, so tests assert exact times.
///
/// Tests can make the host misbehave deterministically:
/// - `addStall(at:duration:)`: the first sleep that reaches `at` wakes `duration`
///   late, as a scheduling hiccup would (frames become late, a watchdog may fire);
/// - `hold(at:)`: the sleeper stops at `at` and blocks (real time) until `release()`
///   or `wake()`, so another thread can act while the engine is known to be asleep.
public final class VirtualClock: EngineClock {
    private struct Stall {
        var at: UInt64
        var duration: UInt64
    }

    private struct Schedule {
        var stalls: [Stall] = []
        var holdAt: UInt64?
    }

    private let nanoseconds: Atomic<UInt64>
    private let schedule = Locked(Schedule())
    private let held = Atomic<Bool>(false)
    private let released = Atomic<Bool>(false)

    public init(startingAt start: UInt64 = 0) {
        nanoseconds = Atomic(start)
    }

    public var isRealTime: Bool { false }

    public func now() -> UInt64 {
        nanoseconds.load(ordering: .acquiring)
    }

    public func sleep(until deadline: UInt64, precise: Bool) {
        let current = now()
        guard deadline > current else { return }
        let (target, holds) = schedule.withLock { schedule -> (UInt64, Bool) in
            if let holdAt = schedule.holdAt, holdAt <= deadline {
                schedule.holdAt = nil
                return (max(holdAt, current), true)
            }
            if let index = schedule.stalls.firstIndex(where: { $0.at <= deadline }) {
                let stall = schedule.stalls.remove(at: index)
                return (deadline + stall.duration, false)
            }
            return (deadline, false)
        }
        nanoseconds.store(target, ordering: .releasing)
        guard holds else { return }
        held.store(true, ordering: .sequentiallyConsistent)
        while !released.load(ordering: .sequentiallyConsistent) { ThreadPause.sleep(microseconds: 50) }
        held.store(false, ordering: .sequentiallyConsistent)
    }

    /// Releases a sleeper stopped by `hold(at:)`; it returns at the held time.
    public func wake() {
        released.store(true, ordering: .sequentiallyConsistent)
    }

    // MARK: - Test controls

    /// Moves time forward by hand (for code that is not the engine's loop).
    public func advance(by duration: UInt64) {
        nanoseconds.add(duration, ordering: .acquiringAndReleasing)
    }

    /// The first sleep whose deadline reaches `at` returns `duration` after its deadline.
    public func addStall(at: UInt64, duration: UInt64) {
        schedule.withLock { $0.stalls.append(Stall(at: at, duration: duration)) }
    }

    /// The first sleep whose deadline reaches `at` stops time at `at` and blocks the
    /// sleeping thread until `release()` or `wake()`.
    public func hold(at: UInt64) {
        released.store(false, ordering: .sequentiallyConsistent)
        schedule.withLock { $0.holdAt = at }
    }

    /// Waits (real time) until a sleeper is blocked by `hold(at:)`. Returns false if
    /// none arrived within `timeoutSeconds`.
    @discardableResult
    public func waitUntilHeld(timeoutSeconds: Double = 10) -> Bool {
        let realClock = MonotonicClock()
        let giveUp = realClock.now() &+ Nanoseconds.from(seconds: timeoutSeconds)
        while !held.load(ordering: .sequentiallyConsistent) {
            if realClock.now() > giveUp { return false }
            ThreadPause.sleep(microseconds: 50)
        }
        return true
    }

    /// Lets a held sleeper go on.
    public func release() {
        wake()
    }
}
