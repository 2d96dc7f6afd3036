import CKneadSystem
import Glibc

/// Settings of the calling thread for keeping deadlines (shared/PLATFORM.md, "Timing").
public enum RealtimeScheduling {
    /// How late the kernel may wake this thread to batch timers (prctl
    /// PR_SET_TIMERSLACK; 50 µs by default). False where it was refused.
    public static func setTimerSlack(nanoseconds: UInt) -> Bool {
        knead_set_timer_slack(nanoseconds) == 0
    }

    /// Moves this thread to SCHED_FIFO at `priority`; returns the priority granted, or
    /// nil where real-time scheduling is not permitted (EPERM without the capability).
    public static func setFIFO(priority: Int32) -> Int32? {
        guard knead_thread_set_fifo(priority) == 0 else { return nil }
        var policy: Int32 = 0
        var granted: Int32 = 0
        guard knead_thread_get_scheduling(&policy, &granted) == 0, policy == SCHED_FIFO else { return nil }
        return granted
    }
}
