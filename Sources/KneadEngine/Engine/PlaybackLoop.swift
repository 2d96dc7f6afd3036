import KneadCore

/// The real-time loop: one run, from the first frame to the end reason.
///
/// Nothing in `play()` allocates, locks or logs: the histogram is sized up front,
/// the stop handshake is atomics only, and device calls are made through the
/// backend's typed-throws methods (no error boxing). Frames go out at
/// `runStart + frame.time`: in immediate mode that is the frame's time; in lead mode
/// session time 0 is `runStart + lead`, so the same instant is `lead` ahead of it.
struct PlaybackLoop<Source: IteratorProtocol> where Source.Element == SafeFrame {
    enum Outcome {
        case finished
        case stopRequested
        case failed(BackendError)
    }

    let backend: any Backend
    let clock: any EngineClock
    let control: StopControl
    let progress: ProgressCounters
    let period: UInt64
    let sleepSlice: UInt64
    let heartbeatInterval: UInt64
    /// Lead mode: how far ahead frames go; immediate mode: 0.
    let lead: UInt64
    let batchWindow: UInt64
    let runStart: UInt64
    var source: Source

    private(set) var lateness = LatenessRecorder()
    private(set) var framesSent = 0
    private(set) var lateFrames = 0
    private(set) var heartbeatsSent = 0
    private(set) var flushes = 0
    private(set) var lastFrameTime: Double?

    var sessionStart: UInt64 { runStart &+ lead }

    init(backend: any Backend, clock: any EngineClock, control: StopControl, progress: ProgressCounters,
         configuration: EngineConfiguration, runStart: UInt64, source: Source) {
        self.backend = backend
        self.clock = clock
        self.control = control
        self.progress = progress
        self.period = configuration.periodNanoseconds
        self.sleepSlice = max(1_000, min(period, Nanoseconds.from(seconds: configuration.maximumSleepSlice)))
        self.heartbeatInterval = max(1_000, Nanoseconds.from(seconds: configuration.heartbeatInterval))
        switch backend.capabilities.mode {
        case .immediate:
            lead = 0
            batchWindow = 0
        case let .lead(seconds):
            lead = Nanoseconds.from(seconds: seconds)
            batchWindow = Nanoseconds.from(seconds: configuration.leadBatchWindow)
        }
        self.runStart = runStart
        self.source = source
    }

    mutating func play() -> Outcome {
        // Frame times are trusted only as far as they go forward: a time that goes
        // back (or is NaN) is treated as the previous one, i.e. due at once.
        var previousTime = 0.0
        var pending = source.next()
        var pendingTime = 0.0
        if let frame = pending { pendingTime = Self.forwardTime(frame.frame.time, after: &previousTime) }
        var lastDeviceCall = runStart

        while true {
            let heartbeatDue = lastDeviceCall &+ heartbeatInterval
            let pendingDeadline = runStart &+ Nanoseconds.from(seconds: pendingTime)
            let target: UInt64
            if pending != nil {
                target = min(pendingDeadline, heartbeatDue)
            } else {
                // Lead mode: the device still has frames to play; stay (and heartbeat)
                // until it has played the last one.
                guard let last = lastFrameTime else { return .finished }
                let deviceDone = sessionStart &+ Nanoseconds.from(seconds: last)
                if clock.now() >= deviceDone { return .finished }
                target = min(deviceDone, heartbeatDue)
            }
            guard waitUntil(target) else { return .stopRequested }
            let woke = clock.now()

            var wokeWithWork = false
            var deadline = pendingDeadline
            while let frame = pending, deadline <= woke &+ batchWindow {
                guard control.beginDeviceCall() else { return .stopRequested }
                let sendTime = clock.now()
                do {
                    try backend.send(frame)
                } catch {
                    _ = control.endDeviceCall()
                    return .failed(error)
                }
                let stopCameDuringSend = control.endDeviceCall()
                recordSent(time: pendingTime, late: sendTime > deadline ? sendTime &- deadline : 0)
                if stopCameDuringSend { return .stopRequested }
                wokeWithWork = true
                pending = source.next()
                if let next = pending { pendingTime = Self.forwardTime(next.frame.time, after: &previousTime) }
                deadline = runStart &+ Nanoseconds.from(seconds: pendingTime)
            }

            if !wokeWithWork && woke >= heartbeatDue {
                guard control.beginDeviceCall() else { return .stopRequested }
                do {
                    try backend.heartbeat()
                } catch {
                    _ = control.endDeviceCall()
                    return .failed(error)
                }
                heartbeatsSent += 1
                if control.endDeviceCall() { return .stopRequested }
                wokeWithWork = true
            }

            if wokeWithWork {
                guard control.beginDeviceCall() else { return .stopRequested }
                do {
                    try backend.flush()
                } catch {
                    _ = control.endDeviceCall()
                    return .failed(error)
                }
                flushes += 1
                if control.endDeviceCall() { return .stopRequested }
                lastDeviceCall = woke
            }
        }
    }

    @inline(__always)
    private mutating func recordSent(time: Double, late: UInt64) {
        framesSent += 1
        lateness.record(late)
        if late > period { lateFrames += 1 }
        lastFrameTime = time
        progress.frameSent(time: time)
    }

    /// Sleeps until `target` in slices of at most one period, watching for a stop.
    /// False if a stop was requested.
    private func waitUntil(_ target: UInt64) -> Bool {
        while true {
            if control.isStopRequested { return false }
            let now = clock.now()
            if now >= target { return true }
            if target &- now > sleepSlice {
                clock.sleep(until: now &+ sleepSlice, precise: false)
            } else {
                clock.sleep(until: target, precise: true)
            }
        }
    }

    @inline(__always)
    private static func forwardTime(_ time: Double, after previous: inout Double) -> Double {
        if time >= previous && time.isFinite { previous = time }
        return previous
    }
}
