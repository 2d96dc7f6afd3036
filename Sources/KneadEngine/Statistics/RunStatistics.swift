/// How late sends were against their deadlines, in nanoseconds. Percentiles come from
/// an HdrHistogram (3 significant digits); `max` is exact.
public struct LatenessSummary: Sendable, Equatable {
    public var count: UInt64
    public var p50: UInt64
    public var p99: UInt64
    public var p999: UInt64
    public var max: UInt64

    public init(count: UInt64 = 0, p50: UInt64 = 0, p99: UInt64 = 0, p999: UInt64 = 0, max: UInt64 = 0) {
        self.count = count
        self.p50 = p50
        self.p99 = p99
        self.p999 = p999
        self.max = max
    }
}

/// What the engine managed to do about real-time scheduling on its thread.
public struct RealtimeSetup: Sendable, Equatable {
    /// The loop ran on its own thread (real clock) rather than the caller's (virtual clock).
    public var dedicatedThread: Bool
    /// The timer slack set on that thread, if setting it worked.
    public var timerSlackNanoseconds: UInt?
    /// The SCHED_FIFO priority granted, or nil where it was not asked for or not permitted.
    public var fifoPriority: Int32?

    public init(dedicatedThread: Bool, timerSlackNanoseconds: UInt? = nil, fifoPriority: Int32? = nil) {
        self.dedicatedThread = dedicatedThread
        self.timerSlackNanoseconds = timerSlackNanoseconds
        self.fifoPriority = fifoPriority
    }
}

/// A summary of an error measured on the device side (unit given by the field).
public struct ErrorSummary: Sendable, Equatable {
    public var count: Int
    public var p50: Double
    public var p99: Double
    public var max: Double

    public init(count: Int, p50: Double, p99: Double, max: Double) {
        self.count = count
        self.p50 = p50
        self.p99 = p99
        self.max = max
    }
}

/// Figures only the device (or the simulator) can measure. The engine leaves this
/// empty; the code that owns the backend fills it in after the run.
public struct DeviceReport: Sendable, Equatable {
    /// |When the device acted − when the frame said|, seconds.
    public var timingError: ErrorSummary?
    /// Setpoints the device put in force more than one of its ticks late.
    public var lateFrames: Int?
    /// Distance between where the device was and where the frame asked, millimetres.
    public var positionError: ErrorSummary?
    /// Events counted on the device: "watchdog", "stop", "fault", …
    public var events: [String: Int]

    public init(timingError: ErrorSummary? = nil, lateFrames: Int? = nil,
                positionError: ErrorSummary? = nil, events: [String: Int] = [:]) {
        self.timingError = timingError
        self.lateFrames = lateFrames
        self.positionError = positionError
        self.events = events
    }
}

/// Everything measured about one run.
public struct RunStatistics: Sendable, Equatable {
    /// Frames handed to the backend.
    public var framesSent: Int
    /// Frames sent more than one frame period after their deadline.
    public var lateFrames: Int
    public var heartbeatsSent: Int
    /// Wakeups that sent something (each followed by one `flush`).
    public var flushes: Int
    /// Send time minus deadline over all frames (early sends count as 0).
    public var lateness: LatenessSummary
    /// CPU time the loop's thread used, seconds.
    public var cpuTime: Double
    /// Time from the start of the loop to its end on the engine's clock, seconds.
    public var wallTime: Double
    /// From the stop request (or the device error) to `backend.stop()` returning,
    /// seconds, on the engine's clock; nil when no stop was made.
    public var stopLatency: Double?
    /// Session time of the last frame sent, seconds.
    public var lastFrameTime: Double?
    /// Session time 0 on the engine's clock, nanoseconds (lead mode: run start + lead).
    public var sessionStart: UInt64
    public var realtime: RealtimeSetup
    /// Device-side figures, filled in by the owner of the backend (the simulator).
    public var device: DeviceReport?

    public init(framesSent: Int = 0, lateFrames: Int = 0, heartbeatsSent: Int = 0, flushes: Int = 0,
                lateness: LatenessSummary = LatenessSummary(), cpuTime: Double = 0, wallTime: Double = 0,
                stopLatency: Double? = nil, lastFrameTime: Double? = nil, sessionStart: UInt64 = 0,
                realtime: RealtimeSetup = RealtimeSetup(dedicatedThread: false), device: DeviceReport? = nil) {
        self.framesSent = framesSent
        self.lateFrames = lateFrames
        self.heartbeatsSent = heartbeatsSent
        self.flushes = flushes
        self.lateness = lateness
        self.cpuTime = cpuTime
        self.wallTime = wallTime
        self.stopLatency = stopLatency
        self.lastFrameTime = lastFrameTime
        self.sessionStart = sessionStart
        self.realtime = realtime
        self.device = device
    }

    /// CPU time as a percentage of one core over the run's wall time (meaningful on a
    /// real clock only: on a virtual clock the wall time is virtual).
    public var cpuPercent: Double {
        wallTime > 0 ? cpuTime / wallTime * 100 : 0
    }
}
