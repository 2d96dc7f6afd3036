import Foundation
import KneadCore
import KneadEngine
import KneadSimulator
import Synchronization

/// One play, from an open device to the summary: starts the engine on its thread,
/// runs the live view (or the progress line) on the main thread, turns keys and
/// signals into the envelope's controls and the engine's stop, and works out the way
/// out and its exit code.
final class PlaySession {
    struct Settings {
        var rate: Double
        var timeScale: Double
        var precise: Bool
        var json: Bool
        var tracePath: String?
        var location: DeviceLocation
        var environment: [String: String]
    }

    let prepared: PreparedSession
    let settings: Settings

    /// Live view redraws per second, and the key poll that paces them.
    static let framesPerSecond = 16

    init(prepared: PreparedSession, settings: Settings) {
        self.prepared = prepared
        self.settings = settings
    }

    /// Plays; returns the summary (the exit code is in it). Prints nothing itself.
    func run(onProgress: (String) -> Void) -> PlaySummary {
        // Signals first: from here on Ctrl-C and SIGTERM stop the play, whenever they come.
        let stopper = Stopper()
        _ = SignalWatcher(
            onStop: { signal in stopper.stop(signal: signal) },
            onForce: { signal in
                // The first signal already told the device to stop; the person wants out now.
                TerminalRescue.restoreNow()
                writeAll(2, "knead: leaving at once (the device was told to stop at the first signal)\n")
                _exit(128 + signal)
            })
        let timeline = prepared.timeline
        let rate = settings.rate
        let baseClock = MonotonicClock(precise: settings.precise)
        let scaledClock = settings.timeScale == 1 ? nil : ScaledClock(base: baseClock, scale: settings.timeScale)
        let clock: any EngineClock = scaledClock ?? baseClock

        let device: PlayDevice
        do {
            device = try PlayDevice.make(location: settings.location, profile: prepared.device,
                                         body: .default, clock: clock, tracePath: settings.tracePath)
        } catch {
            switch error {
            case let .cannotCreateTrace(message):
                return summary(outcome: .cannotCreate(message), result: nil, device: nil, personCap: prepared.limits.personCap)
            case let .unavailable(message):
                return summary(outcome: .deviceUnavailable(message), result: nil, device: nil, personCap: prepared.limits.personCap)
            }
        }
        do {
            _ = try device.backend.open()
        } catch {
            device.backend.close()
            return summary(outcome: .deviceUnavailable(error.description), result: nil, device: nil,
                           personCap: prepared.limits.personCap)
        }

        let envelope = SafetyEnvelope(limits: prepared.limits)
        let patternTap = FrameTap(), outputTap = FrameTap()
        var configuration = EngineConfiguration(rate: rate)
        configuration.heartbeatInterval = prepared.device.watchdog / 3
        let engine = Engine(backend: device.backend, clock: clock, configuration: configuration)
        stopper.attach(engine)
        let telemetry = TelemetryWatcher(device.backend.telemetry)

        let stdoutIsTerminal = isatty(1) == 1
        let style = TerminalStyle.from(environment: settings.environment)
        let live = stdoutIsTerminal && settings.environment["TERM"] != "dumb"
        let keyFD: Int32 = live && isatty(0) == 1 ? 0 : -1
        let screen = live ? LiveScreen(terminal: TerminalMode(inputFD: keyFD, outputFD: 1), style: style) : nil
        let keys = KeyReader(fd: keyFD)
        screen?.enter()

        let thread = EngineThread(engine: engine) {
            let frames = TappedFrames(base: timeline.frames(rate: rate), tap: patternTap)
            return TappedSafeFrames(base: frames.safe(through: envelope, period: 1 / rate).makeIterator(),
                                    tap: outputTap)
        }

        var view = ViewState()
        var nextProgress = 0.0
        let started = baseClock.now()
        var result: RunResult?
        while true {
            result = thread.finished
            let status = self.status(view: &view, envelope: envelope, patternTap: patternTap, outputTap: outputTap,
                                     telemetry: telemetry.latest, stopping: stopper.requested,
                                     finished: result != nil)
            if let screen {
                screen.draw(status)
            } else {
                let elapsed = Double(baseClock.now() - started) / 1e9
                if elapsed >= nextProgress || result != nil {
                    onProgress(ProgressLine.text(status))
                    nextProgress = elapsed + ProgressLine.interval
                }
            }
            if result != nil { break }
            for key in keys.waitForKeys(milliseconds: Int32(1000 / Self.framesPerSecond)) {
                switch key {
                case .togglePause:
                    if envelope.isPauseRequested {
                        envelope.resume()
                        view.resumedAt = view.elapsed
                    } else {
                        envelope.pause()
                    }
                case .capUp: envelope.adjustPersonCap(by: SafetyEnvelope.personCapStep)
                case .capDown: envelope.adjustPersonCap(by: -SafetyEnvelope.personCapStep)
                case let .quit(how): stopper.stop(key: how)
                }
            }
        }
        guard let result else { fatalError("the loop ends only with a result") }

        // The engine has stopped the device (or the pattern ended at zero); closing lets
        // it come to rest and finishes the trace.
        device.backend.close()
        telemetry.cancel()
        screen?.restore()

        let outcome = self.outcome(of: result, stopper: stopper, envelope: envelope)
        var summary = self.summary(outcome: outcome, result: result, device: device, personCap: envelope.personCap)
        summary.playedSeconds = roundTo(outcome.isComplete ? timeline.duration : min(timeline.duration, view.elapsed), 3)
        return summary
    }

    // MARK: - Ways out

    private func outcome(of result: RunResult, stopper: Stopper, envelope: SafetyEnvelope) -> PlayOutcome {
        switch result.endReason {
        case .finished:
            return envelope.reachedSessionCap ? .sessionCapReached : .done
        case let .deviceError(error):
            return .ioError(error.description)
        case .stopped:
            if let key = stopper.key { return .interrupted(by: key) }
            switch stopper.signal ?? SIGINT {
            case SIGINT: return .interrupted(by: .controlC)
            case let other: return .terminated(signal: other)
            }
        }
    }

    /// Asks the engine to stop (its priority path: the device is told at once) and
    /// remembers what asked: the engine keeps only the first cause. Signals can come
    /// before the engine exists; the engine is then stopped as soon as it is attached,
    /// so its run stops at its beginning.
    final class Stopper: Sendable {
        private struct State {
            var engine: Engine?
            var signal: Int32?
            var key: PlayOutcome.PersonStop?
        }
        private let state = Mutex(State())

        func attach(_ engine: Engine) {
            let pendingSignal = state.withLock { state -> Bool in
                state.engine = engine
                return state.signal != nil
            }
            if pendingSignal { engine.requestStop(.signal) }
        }

        /// From the signal watcher's thread.
        func stop(signal: Int32) {
            let engine = state.withLock { state -> Engine? in
                if state.signal == nil && state.key == nil { state.signal = signal }
                return state.engine
            }
            engine?.requestStop(.signal)
        }

        /// From the main thread (the key reader).
        func stop(key how: PlayOutcome.PersonStop) {
            let engine = state.withLock { state -> Engine? in
                if state.signal == nil && state.key == nil { state.key = how }
                return state.engine
            }
            engine?.requestStop(.key)
        }

        var requested: Bool { state.withLock { $0.signal != nil || $0.key != nil } }

        /// The key that stopped the run, if a key came first.
        var key: PlayOutcome.PersonStop? { state.withLock { $0.key } }

        /// The signal that stopped the run, if a signal came first.
        var signal: Int32? { state.withLock { $0.signal } }
    }

    // MARK: - Status for the view

    struct ViewState {
        var elapsed = 0.0
        var resumedAt: Double?
        var lastStatus: PlayStatus?
    }

    private func status(view: inout ViewState, envelope: SafetyEnvelope, patternTap: FrameTap, outputTap: FrameTap,
                        telemetry: Telemetry?, stopping: Bool, finished: Bool) -> PlayStatus {
        let timeline = prepared.timeline
        let pattern = patternTap.snapshot()
        let output = outputTap.snapshot()
        if let pattern { view.elapsed = max(view.elapsed, pattern.time) }

        let phase: PlayStatus.Phase
        switch envelope.phase {
        case .idle: phase = .starting
        case .playing:
            if view.elapsed < prepared.limits.startRamp {
                phase = .starting
            } else if let resumedAt = view.resumedAt, view.elapsed - resumedAt < prepared.limits.startRamp {
                phase = .resuming
            } else {
                phase = .playing
            }
        case .pausing: phase = .pausing
        case .paused: phase = .paused
        case .stopping, .stopped: phase = .stopping
        case .ending: phase = .rampingOut
        case .ended: phase = .finished
        }

        let step = pattern.flatMap { $0.step >= 0 && $0.step < timeline.steps.count ? timeline.steps[$0.step] : nil }
        let requested = PlayStatus.Levels(intensity: output?.intensity ?? 0, pressure: output?.pressure ?? 0,
                                          position: output?.position ?? .restPosition)
        let hasPosition = prepared.device.position != nil
        let actual = telemetry.map {
            PlayStatus.Levels(intensity: $0.intensity, pressure: $0.pressure,
                              position: hasPosition ? BackPoint(x: $0.x, y: $0.y) : requested.position)
        }
        return PlayStatus(
            patternName: prepared.pattern.name, deviceName: prepared.device.name,
            simulated: settings.location.isSimulated, timeScale: settings.timeScale,
            phase: finished ? .finished : stopping ? .stopping : phase,
            elapsed: view.elapsed, duration: timeline.duration, step: step, stepCount: timeline.steps.count,
            technique: pattern?.technique ?? .rest, target: pattern?.target ?? .point(.restPosition),
            requested: requested, actual: actual, personCap: envelope.personCap,
            hasPressure: prepared.device.pressure != nil, hasPosition: hasPosition)
    }

    // MARK: - Summary

    private func summary(outcome: PlayOutcome, result: RunResult?, device: PlayDevice?, personCap: Double) -> PlaySummary {
        let scale = settings.timeScale
        let statistics = result?.statistics ?? RunStatistics()
        let lateness = statistics.lateness
        let realWall = statistics.wallTime / scale
        let report = device?.simulator?.report
        var errorText: String?
        switch outcome {
        case let .deviceUnavailable(message), let .ioError(message), let .cannotCreate(message): errorText = message
        default: break
        }
        /// Engine nanoseconds (scaled clock) to real microseconds, to 0.1 µs.
        func microseconds(_ nanoseconds: UInt64) -> Double {
            roundTo(Double(nanoseconds) / 1000 / scale, 1)
        }
        return PlaySummary(
            pattern: prepared.pattern.name, file: prepared.path, device: prepared.device.name,
            simulated: settings.location.isSimulated, outcome: outcome.name, cause: outcome.cause,
            exitCode: outcome.exitCode, playedSeconds: 0, durationSeconds: roundTo(prepared.timeline.duration, 3),
            wallSeconds: roundTo(realWall, 3), timeScale: scale, rate: settings.rate,
            framesSent: statistics.framesSent, lateFrames: statistics.lateFrames,
            latenessMicroseconds: .init(p50: microseconds(lateness.p50), p99: microseconds(lateness.p99),
                                        p999: microseconds(lateness.p999), max: microseconds(lateness.max)),
            cpuPercent: roundTo(realWall > 0 ? statistics.cpuTime / realWall * 100 : 0, 2),
            stopLatencyMilliseconds: statistics.stopLatency.map { roundTo($0 * 1000 / scale, 3) },
            maxIntensityPercent: roundTo(personCap * 100, 1),
            deviceAtZero: report?.state.isAtZero,
            deviceError: report.map { PlaySummary.deviceError(from: $0, timeScale: scale).rounded },
            trace: report == nil ? nil : settings.tracePath,
            error: errorText ?? result?.stopError.map { "stopping the device failed: \($0)" })

    }
}

/// `value` to `decimals` decimals, so the JSON summary carries no float noise.
func roundTo(_ value: Double, _ decimals: Int) -> Double {
    guard value.isFinite else { return value }
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    return (value * scale).rounded() / scale
}
