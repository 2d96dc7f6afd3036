import CKneadSystem
import Glibc

/// Runs work on a dedicated pthread, outside Swift's cooperative pool, set up for
/// deadlines: timer slack as configured (1 ns by default) and SCHED_FIFO where the
/// system permits it. Neither failing is an error: the run reports what it got.
enum RealtimeThread {
    private final class Work: @unchecked Sendable {
        // Touched by the starting thread before pthread_create and by the new thread
        // after it: pthread_create orders the two.
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }

    /// Starts `body` on a new joinable thread; returns its handle, or nil if no thread
    /// could be made.
    static func start(_ body: @escaping () -> Void) -> pthread_t? {
        let work = Unmanaged.passRetained(Work(body))
        var thread = pthread_t()
        let result = pthread_create(&thread, nil, { context in
            let work = Unmanaged<Work>.fromOpaque(context!).takeRetainedValue()
            work.body()
            return nil
        }, work.toOpaque())
        guard result == 0 else {
            work.release()
            return nil
        }
        return thread
    }

    static func join(_ thread: pthread_t) {
        pthread_join(thread, nil)
    }

    /// Applies the real-time settings to the calling thread.
    static func prepareCurrentThread(_ configuration: EngineConfiguration) -> RealtimeSetup {
        var setup = RealtimeSetup(dedicatedThread: true)
        if knead_set_timer_slack(configuration.timerSlackNanoseconds) == 0 {
            setup.timerSlackNanoseconds = configuration.timerSlackNanoseconds
        }
        if let priority = configuration.fifoPriority, knead_thread_set_fifo(priority) == 0 {
            var policy: Int32 = 0
            var granted: Int32 = 0
            if knead_thread_get_scheduling(&policy, &granted) == 0, policy == SCHED_FIFO {
                setup.fifoPriority = granted
            }
        }
        return setup
    }
}

extension RealtimeThread {
    /// Lets a thread end without being joined.
    static func detach(_ thread: pthread_t) {
        pthread_detach(thread)
    }
}
