/// How the engine runs; the streaming mode itself comes from the backend's capabilities.
public struct EngineConfiguration: Sendable, Equatable {
    /// The rate the source was sampled at, Hz. A frame more than one period late
    /// counts as late, and the loop never sleeps longer than one period at a time
    /// (so it notices a stop within a period).
    public var rate: Double
    /// Send a heartbeat when nothing went to the device for this long, seconds.
    /// Default: a third of the default device watchdog (250 ms).
    public var heartbeatInterval: Double
    /// Lead mode only: after a wakeup, frames due within this window go out in the same
    /// batch (one flush), up to this much earlier than `time − lead`. 0: each frame goes
    /// at exactly `time − lead`. Immediate mode ignores it.
    public var leadBatchWindow: Double
    /// SCHED_FIFO priority for the loop's thread; nil: do not ask. Falls back quietly
    /// to normal scheduling where not permitted (see `RealtimeSetup`).
    public var fifoPriority: Int32?
    /// Timer slack for the loop's thread (default 50 µs on Linux makes every wakeup late).
    public var timerSlackNanoseconds: UInt
    /// Longest single sleep, seconds, also when the frame period is longer.
    public var maximumSleepSlice: Double

    public init(rate: Double = 100, heartbeatInterval: Double = 0.25 / 3, leadBatchWindow: Double = 0,
                fifoPriority: Int32? = 50, timerSlackNanoseconds: UInt = 1,
                maximumSleepSlice: Double = 0.01) {
        self.rate = rate
        self.heartbeatInterval = heartbeatInterval
        self.leadBatchWindow = leadBatchWindow
        self.fifoPriority = fifoPriority
        self.timerSlackNanoseconds = timerSlackNanoseconds
        self.maximumSleepSlice = maximumSleepSlice
    }

    /// Frame period in nanoseconds (at least 1 µs, whatever `rate` says).
    var periodNanoseconds: UInt64 {
        let rate = self.rate > 0 && self.rate.isFinite ? self.rate : 100
        return max(1_000, Nanoseconds.from(seconds: 1 / rate))
    }
}

/// A backend that keeps its own clock (lead mode) and needs to know where session
/// time falls on the engine's clock, to stamp frames in device time.
public protocol SessionTimedBackend: Backend {
    /// Called once per run, before the first frame: a frame's `time` is seconds after
    /// `sessionStart`, a moment on `clock` in nanoseconds. In lead mode frames arrive
    /// `lead` seconds before their time.
    func sessionWillStart(at sessionStart: UInt64, on clock: any EngineClock)
}

/// The outcome of one run.
public struct RunResult: Sendable, Equatable {
    public var endReason: EndReason
    public var statistics: RunStatistics
    /// `backend.stop()` itself failed (the device may not be at zero: say so).
    public var stopError: BackendError?

    public init(endReason: EndReason, statistics: RunStatistics, stopError: BackendError? = nil) {
        self.endReason = endReason
        self.statistics = statistics
        self.stopError = stopError
    }
}

/// Where a run is, readable from any thread (the live view) without disturbing it.
public struct EngineProgress: Sendable, Equatable {
    public var isRunning: Bool
    public var framesSent: Int
    /// Session time of the last frame handed to the backend (lead mode: ahead of now).
    public var lastFrameTime: Double?
    /// Session time now on the engine's clock: what the device is playing.
    public var sessionTime: Double?

    public init(isRunning: Bool, framesSent: Int, lastFrameTime: Double?, sessionTime: Double?) {
        self.isRunning = isRunning
        self.framesSent = framesSent
        self.lastFrameTime = lastFrameTime
        self.sessionTime = sessionTime
    }
}
