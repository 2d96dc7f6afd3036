import KneadSystem

/// Runs work on a dedicated thread, outside Swift's cooperative pool, set up for
/// deadlines: timer slack as configured (1 ns by default) and SCHED_FIFO where the
/// system permits it. Neither failing is an error: the run reports what it got.
enum RealtimeThread {
    /// Starts `body` on a new joinable thread; returns its handle, or nil if no thread
    /// could be made.
    static func start(_ body: @escaping () -> Void) -> NativeThread? {
        NativeThread.start(body)
    }

    static func join(_ thread: NativeThread) {
        thread.join()
    }

    /// Lets a thread end without being joined.
    static func detach(_ thread: NativeThread) {
        thread.detach()
    }

    /// Applies the real-time settings to the calling thread.
    static func prepareCurrentThread(_ configuration: EngineConfiguration) -> RealtimeSetup {
        var setup = RealtimeSetup(dedicatedThread: true)
        if RealtimeScheduling.setTimerSlack(nanoseconds: configuration.timerSlackNanoseconds) {
            setup.timerSlackNanoseconds = configuration.timerSlackNanoseconds
        }
        if let priority = configuration.fifoPriority {
            setup.fifoPriority = RealtimeScheduling.setFIFO(priority: priority)
        }
        return setup
    }
}
