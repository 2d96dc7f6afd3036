import Foundation
import KneadCore
import KneadEngine
import KneadSimulator
import KneadSystem

/// Plays one prepared session on one device: opens it, runs the engine on its own
/// thread, takes live controls (pause, resume, the person's cap) and stops, reports
/// status, and ends with the summary. A program draws what it likes on top (the
/// command line's live view); nothing here prints.
///
/// ```swift
/// let player = Player(session: session, settings: PlaySettings(rate: 100))
/// guard player.open() else { return player.finish() }      // a summary for every way out
/// player.start()
/// // any thread: player.togglePause(), player.adjustCap(by: 0.1), player.stop(.key(.quitKey))
/// while !player.isFinished { draw(player.status()) }          // or wait on `endedFD`
/// let summary = player.finish()                                // closes the device
/// ```
///
/// On a `VirtualClock` the whole play runs in `finish()` (or `play()`) without
/// sleeping, and `schedule(_:at:)` acts at exact session times, so tests assert what
/// the device was given to the frame.
public final class Player: Sendable {
    public let session: PreparedSession
    public let settings: PlaySettings
    let clock: any EngineClock
    let configuration: EngineConfiguration
    let envelope: SafetyEnvelope
    let stopper: PlayStopper
    let patternTap = FrameTap()
    let outputTap = FrameTap()
    private let controls = ScheduledControls()
    /// Session seconds a ramping stop took to reach zero; NaN until one has.
    let rampTime = AtomicDouble(.nan)
    private let state: Locked<State>

    private struct State {
        var device: PlayDevice?
        var identity: DeviceIdentity?
        var failure: PlayOutcome?
        var thread: EngineThread?
        var reader: PlayStatusReader?
        var summary: PlaySummary?
    }

    /// - Parameters:
    ///   - clock: the play's clock; by default the monotonic clock, scaled by
    ///     `settings.timeScale` and reading zero now. Tests pass a `VirtualClock`.
    ///   - backend: a device to play on instead of the one `settings.location` names.
    public init(session: PreparedSession, settings: PlaySettings, clock: (any EngineClock)? = nil,
                backend: (any Backend)? = nil) {
        self.session = session
        self.settings = settings
        self.clock = clock ?? ScaledClock(base: MonotonicClock(precise: settings.precise), scale: settings.timeScale)
        var configuration = EngineConfiguration(rate: settings.rate)
        configuration.heartbeatInterval = session.device.watchdog / 3
        self.configuration = configuration
        envelope = SafetyEnvelope(limits: session.limits)
        stopper = PlayStopper(envelope: envelope)
        state = Locked(State(device: backend.map { PlayDevice(backend: $0, simulator: $0 as? SimulatorBackend) }))
    }

    /// The real-time priority for a thread that requests stops: one above the engine's
    /// loop, so a busy loop cannot delay a stop. Nil when the loop runs unprivileged.
    public var stopPriority: Int32? { configuration.fifoPriority.map { $0 + 1 } }

    // MARK: - Opening

    /// Opens the device and asks who it is. False when it cannot be opened, or when a
    /// stop came first; `finish()` then gives the summary of that way out.
    ///
    /// A stop request while the device is being identified (a TCode device may take
    /// its whole timeout) ends the wait at once: the device is sent its stop, and the
    /// open finishes and closes on its own thread.
    @discardableResult
    public func open() -> Bool {
        let device: PlayDevice
        if let given = state.withLock({ $0.device }) {
            device = given
        } else {
            do {
                device = try PlayDevice.make(location: settings.location, profile: session.device,
                                             body: session.body, clock: clock, timeScale: settings.timeScale,
                                             tracePath: settings.tracePath, faults: settings.faults,
                                             environment: settings.environment)
            } catch {
                let outcome: PlayOutcome
                switch error {
                case let .cannotCreateTrace(message): outcome = .cannotCreate(message)
                case let .unavailable(message): outcome = .deviceUnavailable(message)
                }
                state.withLock { $0.failure = outcome }
                return false
            }
            state.withLock { $0.device = device }
        }
        switch DeviceOpening.open(device.backend, stopper: stopper) {
        case let .opened(identity):
            state.withLock { $0.identity = identity }
            if stopper.isRequested {
                // The stop and the open finished together: nothing plays; the device is
                // told to stop and closed, as when the stop wins the race.
                try? device.backend.stop()
                device.backend.close()
                state.withLock {
                    $0.failure = stopper.outcome
                    $0.device = nil
                }
                return false
            }
            return true
        case let .failed(error):
            device.backend.close()
            state.withLock { $0.failure = .deviceUnavailable(error.description) }
            return false
        case .stopped:
            // The open thread closes the device when its open returns.
            state.withLock {
                $0.failure = stopper.outcome
                $0.device = nil
            }
            return false
        }
    }

    /// Who answered at open; nil before, or when nothing did.
    public var identity: DeviceIdentity? { state.withLock { $0.identity } }

    // MARK: - Playing

    /// Starts the engine on its own thread (call after a successful `open()`). A stop
    /// requested before this stops the run at its beginning.
    public func start() {
        guard let device = state.withLock({ $0.failure == nil ? $0.device : nil }) else { return }
        let engine = Engine(backend: device.backend, clock: clock, configuration: configuration)
        let reader = PlayStatusReader(session: session, settings: settings, envelope: envelope,
                                      patternTap: patternTap, outputTap: outputTap,
                                      telemetry: TelemetryWatcher(device.backend.telemetry))
        let timeline = session.timeline, rate = settings.rate, envelope = envelope
        let patternTap = patternTap, outputTap = outputTap, controls = controls
        state.withLock { $0.reader = reader }
        stopper.attach(engine)
        let thread = EngineThread(engine: engine) { [unowned self] in
            let frames = TappedFrames(base: timeline.frames(rate: rate), tap: patternTap)
            return ControlledFrames(
                base: TappedSafeFrames(base: frames.safe(through: envelope, period: 1 / rate).makeIterator(),
                                       tap: outputTap),
                controls: controls, player: self)
        }
        state.withLock { $0.thread = thread }
    }

    /// Acts on `action` when the play reaches session second `time` (just before the
    /// first frame at or after it), on the engine's thread. Deterministic on a virtual
    /// clock; on a real one, within a frame period. Call before `start()`.
    public func schedule(_ action: PlayerAction, at time: Double) {
        controls.add(action, at: time)
    }

    /// Readable once the run has ended (for poll(2)); -1 before `start()`.
    public var endedFD: Int32 { state.withLock { $0.thread?.endedFD ?? -1 } }

    /// Whether the run has ended (or never started).
    public var isFinished: Bool {
        state.withLock { state in state.thread.map { $0.finished != nil } ?? true }
    }

    // MARK: - Live controls (any thread)

    public func pause() { envelope.pause() }

    public func resume() {
        envelope.resume()
        state.withLock { $0.reader?.noteResume() }
    }

    public func togglePause() {
        if envelope.isPauseRequested { resume() } else { pause() }
    }

    public var isPaused: Bool { envelope.isPauseRequested }

    /// Moves the person's cap (the + and - keys: ±`SafetyEnvelope.personCapStep`).
    @discardableResult
    public func adjustCap(by delta: Level) -> Level { envelope.adjustPersonCap(by: delta) }

    public func setCap(_ cap: Level) { envelope.setPersonCap(cap) }

    public var personCap: Level { envelope.personCap }

    /// Ends the play (any thread, never waits on I/O). A ramping request brings the
    /// device to zero through the envelope within `SafetyLimits.endRamp` and then stops
    /// it; if the ramp has not ended by `rampDeadline` (a stalled loop), the device is
    /// stopped at once. `.force` stops at once. The first request names the way out.
    public func stop(_ request: StopRequest) {
        let isFirst = stopper.request(request)
        guard isFirst, request.ramps, clock.isRealTime else { return }
        let (ended, deadline) = (endedFD, rampDeadline)
        guard ended >= 0 else { return }
        let stopper = stopper
        let watchdog = Thread {
            var remaining = Int32(deadline * 1000)
            waiting: while remaining > 0 {
                let started = MonotonicTime.nanoseconds()
                switch Poll.wait([Poll.Request(ended, .readable)], timeoutMilliseconds: remaining) {
                case .ready: return
                case .failed: break waiting
                case .timedOut, .interrupted: break
                }
                remaining -= Int32((MonotonicTime.nanoseconds() &- started) / 1_000_000)
            }
            stopper.escalate()
        }
        watchdog.name = "knead-ramp-watch"
        watchdog.start()
    }

    /// Real seconds a ramping stop may take before the device is stopped at once: the
    /// ramp, the device's lead (frames already sent play out), and a margin for the
    /// host's scheduling.
    public var rampDeadline: Double {
        var lead = 0.0
        if let device = state.withLock({ $0.device }), case let .lead(seconds) = device.backend.capabilities.mode {
            lead = seconds
        }
        return (session.limits.endRamp + lead) / settings.timeScale + 0.2
    }

    // MARK: - Status and the end

    /// Where the play is, for a live view or a progress line. Never makes the engine wait.
    public func status() -> PlayStatus {
        let finished = isFinished
        let stopping = stopper.isRequested
        return state.withLock { state in
            guard var reader = state.reader else {
                return PlayStatusReader.idleStatus(session: session, settings: settings, envelope: envelope)
            }
            let status = reader.read(stopping: stopping, finished: finished)
            state.reader = reader
            return status
        }
    }

    /// Waits for the run to end (on a virtual clock: plays it here), stops and closes the
    /// device, and returns the summary. Idempotent: later calls return the same summary.
    public func finish() -> PlaySummary {
        if let summary = state.withLock({ $0.summary }) { return summary }
        let (thread, device, failure) = state.withLock { ($0.thread, $0.device, $0.failure) }
        let summary: PlaySummary
        if let failure {
            summary = PlaySummary.make(outcome: failure, result: nil, simulatorReport: nil, session: session,
                                       settings: settings, personCap: envelope.personCap, played: 0,
                                       signalToRequest: stopper.signalToRequestSeconds)
        } else if let thread, let device {
            let result = thread.waitForResult()
            // The frames ended at zero (a ramping way out, or the pattern's end); the
            // device is told to stop, then closed, which lets it come to rest and
            // finishes the trace.
            if case .finished = result.endReason, stopper.isRequested { try? device.backend.stop() }
            device.backend.close()
            let elapsed = state.withLock { state -> Double in
                state.reader?.telemetry.cancel()
                _ = state.reader?.read(stopping: stopper.isRequested, finished: true)
                return state.reader?.elapsed ?? 0
            }
            var outcome: PlayOutcome
            var kind: StopKind? = stopper.kind
            switch result.endReason {
            case .finished:
                outcome = stopper.outcome ?? (envelope.reachedSessionCap ? .sessionCapReached : .done)
                kind = kind ?? .ramp
            case let .deviceError(error):
                outcome = .ioError(error.description)
                kind = .immediate
            case .stopped:
                outcome = stopper.outcome ?? .interrupted(by: .controlC)
            }
            let delivery = device.backend.delivery
            if outcome.isComplete, let delivery, delivery.missing > 0 {
                // The frames went out on time but the link fell behind: the device played
                // less than the pattern, and a script must not take the play as whole.
                outcome = .ioError(Self.undeliveredMessage(delivery, sent: result.statistics.framesSent,
                                                           rate: settings.rate))
                kind = kind ?? .ramp
            }
            let played = outcome.isComplete && !envelope.reachedSessionCap
                ? session.timeline.duration : min(session.timeline.duration, elapsed)
            summary = PlaySummary.make(outcome: outcome, result: result, simulatorReport: device.simulator?.report,
                                       session: session, settings: settings, personCap: envelope.personCap,
                                       played: played, signalToRequest: stopper.signalToRequestSeconds,
                                       identity: state.withLock { $0.identity }, stopKind: kind,
                                       rampSeconds: kind == .ramp && stopper.isRequested ? rampTime.load().finite : nil,
                                       deviceConfirmedAtZero: device.backend.confirmedAtZero, delivery: delivery)
        } else {
            summary = PlaySummary.make(outcome: stopper.outcome ?? .deviceUnavailable("the device was never opened"),
                                       result: nil, simulatorReport: nil, session: session, settings: settings,
                                       personCap: envelope.personCap, played: 0)
        }
        state.withLock { $0.summary = summary }
        return summary
    }

    static func undeliveredMessage(_ delivery: FrameDelivery, sent: Int, rate: Double) -> String {
        let rateText = rate.formatted(.number.precision(.fractionLength(0...1)))
        var text = delivery.unsent > 0
            ? "\(delivery.unsent) of the \(sent) frames never went out to the device"
                + (delivery.unconfirmed > 0 ? " and \(delivery.unconfirmed) more were not acknowledged" : "")
            : "the device did not acknowledge \(delivery.unconfirmed) of the \(sent) frames"
        text += " by the end of play (the link could not carry \(rateText) frames a second"
        if delivery.shortLead > 0 { text += "; \(delivery.shortLead) went out too late to play on time" }
        return text + "): lower --rate, raise the link's baud rate, or check the line for noise"
    }

    /// Opens, plays to the end (or a stop) and finishes: for programs without a view,
    /// and for tests on a virtual clock.
    public func play() -> PlaySummary {
        if open() { start() }
        return finish()
    }

    /// Applies a scheduled action, on the engine's thread.
    func apply(_ action: PlayerAction) {
        switch action {
        case .pause: pause()
        case .resume: resume()
        case let .setCap(cap): setCap(cap)
        case let .adjustCap(delta): adjustCap(by: delta)
        case let .stop(request): stop(request)
        }
    }
}
