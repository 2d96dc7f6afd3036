import KneadCore
import KneadSystem

/// Plays safe frames on a backend in real time.
///
/// ```swift
/// let engine = Engine(backend: device, clock: MonotonicClock(precise: false),
///                     configuration: EngineConfiguration(rate: 100))
/// // From a signal-handling thread or the key reader, at any time:
/// engine.requestStop(.signal)
/// // On the player's thread (blocks until the run ends):
/// let result = engine.run(safeFrames)   // or `await engine.run(safeFrames)`
/// ```
///
/// The caller opens the backend before `run` and closes it after; the engine only
/// sends, flushes, heartbeats and stops. A frame's `time` is session time in seconds
/// and must not go back; the source decides what session time means (a player that
/// pauses keeps emitting frames in session time while holding its pattern time).
///
/// On a real clock the loop runs on a dedicated real-time thread; on a virtual clock
/// it runs on the calling thread and is deterministic.
public final class Engine: Sendable {
    public let backend: any Backend
    public let clock: any EngineClock
    public let configuration: EngineConfiguration
    private let control: StopControl
    private let counters = ProgressCounters()

    public init(backend: any Backend, clock: any EngineClock = MonotonicClock(),
                configuration: EngineConfiguration = EngineConfiguration()) {
        self.backend = backend
        self.clock = clock
        self.configuration = configuration
        control = StopControl(stopOverlapsCalls: backend.stopsDuringDeviceCalls)
    }

    /// Plays `source` to its end or until stopped; blocks the calling thread.
    public func run<Source: IteratorProtocol>(_ source: sending Source) -> RunResult
    where Source.Element == SafeFrame {
        guard clock.isRealTime else {
            return runOnCurrentThread(source, setup: RealtimeSetup(dedicatedThread: false))
        }
        let box = ResultBox()
        var source = Optional(source)
        let thread = RealtimeThread.start { [self] in
            let setup = RealtimeThread.prepareCurrentThread(configuration)
            box.result = runOnCurrentThread(source.take()!, setup: setup)
        }
        guard let thread else {
            // No thread to be had: play here rather than not at all.
            return runOnCurrentThread(source.take()!, setup: RealtimeSetup(dedicatedThread: false))
        }
        RealtimeThread.join(thread)
        return box.result!
    }

    /// Plays `source` to its end or until stopped, without blocking a thread of the
    /// cooperative pool while it plays (the loop has its own thread on a real clock).
    public func run<Source: IteratorProtocol>(_ source: sending Source) async -> RunResult
    where Source.Element == SafeFrame {
        guard clock.isRealTime else {
            return runOnCurrentThread(source, setup: RealtimeSetup(dedicatedThread: false))
        }
        let box = SourceBox(source)
        return await withCheckedContinuation { (continuation: CheckedContinuation<RunResult, Never>) in
            let configuration = self.configuration
            let thread = RealtimeThread.start { [self] in
                let setup = RealtimeThread.prepareCurrentThread(configuration)
                continuation.resume(returning: runOnCurrentThread(box.take(), setup: setup))
            }
            if let thread {
                RealtimeThread.detach(thread)
            } else {
                continuation.resume(returning: runOnCurrentThread(
                    box.take(), setup: RealtimeSetup(dedicatedThread: false)))
            }
        }
    }

    /// Asks the run to stop, from any thread (not from inside a signal handler: call
    /// it from the thread that receives the signal). The device is told to stop at
    /// once: by this call itself when the loop is asleep, or by the loop the moment
    /// its current device call returns. `backend.stop()` runs exactly once per run.
    /// A request made before `run` starts stops that run at its beginning.
    ///
    /// - Returns: true if this call made the request; false if one was already made.
    @discardableResult
    public func requestStop(_ cause: StopCause = .user) -> Bool {
        switch control.request(cause: cause.rawValue, at: clock.now()) {
        case .alreadyRequested:
            return false
        case .loopWillStop:
            clock.wake()
            return true
        case .callStopNow:
            var failure: BackendError?
            do {
                try backend.stop()
            } catch {
                failure = error
            }
            control.stopReturned(at: clock.now(), error: failure)
            clock.wake()
            return true
        }
    }

    /// Where the run is, for a live view. Never makes the loop wait.
    public var progress: EngineProgress {
        counters.snapshot(now: clock.now())
    }

    // MARK: - One run

    private func runOnCurrentThread<Source: IteratorProtocol>(_ source: consuming Source,
                                                               setup: RealtimeSetup) -> RunResult
    where Source.Element == SafeFrame {
        guard control.beginRun() else {
            return RunResult(endReason: .deviceError(.refused("the engine is already playing a run")),
                             statistics: RunStatistics(realtime: setup))
        }
        let cpuStart = CPUTime.thisThreadNanoseconds()
        let runStart = clock.now()
        var loop = PlaybackLoop(backend: backend, clock: clock, control: control, progress: counters,
                                configuration: configuration, runStart: runStart, source: source)
        backend.runWillStart()
        if let timed = backend as? any SessionTimedBackend {
            timed.sessionWillStart(at: loop.sessionStart, on: clock)
        }
        counters.begin(sessionStart: loop.sessionStart)

        let outcome = loop.play()

        var endReason: EndReason
        var stopError: BackendError?
        var stopLatency: Double?
        switch outcome {
        case .finished where control.finishRun():
            endReason = .finished
        case .finished, .stopRequested:
            (endReason, stopError, stopLatency) = stopDevice(after: nil)
        case let .failed(error):
            (endReason, stopError, stopLatency) = stopDevice(after: error)
        }
        let runEnd = clock.now()
        let cpuEnd = CPUTime.thisThreadNanoseconds()
        counters.end()

        let statistics = RunStatistics(
            framesSent: loop.framesSent, lateFrames: loop.lateFrames, heartbeatsSent: loop.heartbeatsSent,
            flushes: loop.flushes, lateness: loop.lateness.summary,
            cpuTime: Nanoseconds.seconds(cpuEnd &- cpuStart),
            wallTime: Nanoseconds.seconds(runEnd &- runStart),
            stopLatency: stopLatency, lastFrameTime: loop.lastFrameTime, sessionStart: loop.sessionStart,
            realtime: setup)
        return RunResult(endReason: endReason, statistics: statistics, stopError: stopError)
    }

    /// The loop is over because of a stop request or a device error: make sure
    /// `backend.stop()` has been called exactly once, then say how the run ended.
    private func stopDevice(after failure: BackendError?) -> (EndReason, BackendError?, Double?) {
        let cause = failure == nil ? StopCause.user.rawValue : StopControl.deviceErrorCause
        var loopStopError: BackendError?
        switch control.claimForLoop(cause: cause, at: clock.now()) {
        case .callStop:
            do {
                try backend.stop()
            } catch {
                loopStopError = error
            }
            control.stopReturned(at: clock.now(), error: nil)
        case .requesterStops:
            control.waitUntilStopReturned()
        }
        let record = control.takeStopRecordAndReset()
        let endReason: EndReason = failure.map { .deviceError($0) }
            ?? .stopped(StopCause(rawValue: record.cause) ?? .user)
        let latency = record.stopReturnedAt >= record.requestedAt
            ? Nanoseconds.seconds(record.stopReturnedAt - record.requestedAt) : 0
        return (endReason, loopStopError ?? record.requesterError, latency)
    }
}

/// Carries a run's result from the loop's thread to the joining one (the join orders them).
private final class ResultBox: @unchecked Sendable {
    var result: RunResult?
}

/// Hands the source to the loop's thread exactly once.
private final class SourceBox<Source>: @unchecked Sendable {
    private var source: Source?
    init(_ source: consuming Source) { self.source = source }
    func take() -> Source { source.take()! }
}
