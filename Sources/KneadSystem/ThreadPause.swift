import Glibc

/// A short sleep of the calling thread, for waits that poll a flag another thread sets.
/// A sleep rather than `sched_yield()`: a SCHED_FIFO thread that yields never lets an
/// ordinary-priority thread run on its core, so the flag would never be set.
public enum ThreadPause {
    public static func sleep(microseconds: UInt32) {
        var pause = timespec(tv_sec: Int(microseconds / 1_000_000), tv_nsec: Int(microseconds % 1_000_000) * 1000)
        _ = nanosleep(&pause, nil)
    }
}
