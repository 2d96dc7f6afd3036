import Foundation
import KneadCore
import KneadEngine
import KneadSimulator

/// One play, from the command line's prepared pattern to the summary: opens the
/// device, starts the engine on its own thread, runs the live view (or the progress
/// line) on the main thread, turns keys into the envelope's controls and every stop
/// into the engine's priority stop, and works out the way out and its exit code.
final class PlaySession {
    struct Settings {
        var rate: Double
        var timeScale: Double
        var precise: Bool
        var tracePath: String?
        /// Simulator only: faults injected on its link and in the device (`--fault`).
        var faults: SimulatorFaults
        var location: DeviceLocation
        var environment: [String: String]
    }

    let prepared: PreparedSession
    let settings: Settings

    /// Live view redraws per second; the key poll paces them.
    static let framesPerSecond = 16

    init(prepared: PreparedSession, settings: Settings) {
        self.prepared = prepared
        self.settings = settings
    }

    /// Plays; returns the summary (the exit code is in it). Progress lines go to
    /// `onProgress`; nothing else is printed here.
    func run(onProgress: (String) -> Void) -> PlaySummary {
        var configuration = EngineConfiguration(rate: settings.rate)
        configuration.heartbeatInterval = prepared.device.watchdog / 3

        // Stops first: from here on Ctrl-C and SIGTERM stop the play whenever they come,
        // requested at a priority above the engine's loop (see SignalWatcher).
        let stopper = PlayStopper()
        let stopThread = SignalWatcher(
            priority: configuration.fifoPriority.map { $0 + 1 },
            onStop: { stopper.stop($0) },
            onForce: { signal in
                // The first stop already reached the device; the person wants out now.
                TerminalRescue.restoreNow()
                writeAll(2, "knead: leaving at once (the device was told to stop at the first signal)\n")
                _exit(128 + signal)
            })

        let baseClock = MonotonicClock(precise: settings.precise)
        let clock = ScaledClock(base: baseClock, scale: settings.timeScale)
        let device: PlayDevice, identity: DeviceIdentity
        switch openDevice(clock: clock) {
        case let .success(opened): (device, identity) = opened
        case let .failure(error):
            return PlaySummary.make(outcome: error.outcome, result: nil, simulatorReport: nil, prepared: prepared,
                                    settings: settings, personCap: prepared.limits.personCap, played: 0)
        }

        let envelope = SafetyEnvelope(limits: prepared.limits)
        let engine = Engine(backend: device.backend, clock: clock, configuration: configuration)
        stopper.attach(engine)
        var reader = PlayStatusReader(prepared: prepared, settings: settings, envelope: envelope,
                                      patternTap: FrameTap(), outputTap: FrameTap(),
                                      telemetry: TelemetryWatcher(device.backend.telemetry))

        let screen = makeLiveScreen()
        screen?.enter()
        let result = play(engine: engine, envelope: envelope, reader: &reader, screen: screen,
                          stopper: stopper, stopThread: stopThread, onProgress: onProgress)

        // The engine has stopped the device (or the pattern ended at zero); closing lets
        // it come to rest and finishes the trace.
        device.backend.close()
        reader.telemetry.cancel()
        screen?.restore()

        let outcome: PlayOutcome
        switch result.endReason {
        case .finished: outcome = envelope.reachedSessionCap ? .sessionCapReached : .done
        case let .deviceError(error): outcome = .ioError(error.description)
        case .stopped: outcome = stopper.outcome
        }
        let played = outcome.isComplete && !envelope.reachedSessionCap
            ? prepared.timeline.duration : min(prepared.timeline.duration, reader.elapsed)
        return PlaySummary.make(outcome: outcome, result: result, simulatorReport: device.simulator?.report,
                                prepared: prepared, settings: settings, personCap: envelope.personCap,
                                played: played, signalToRequest: stopper.signalToRequestSeconds, identity: identity)
    }

    /// The device for `settings.location`, opened; or the way out when it cannot be.
    private func openDevice(clock: any EngineClock) -> Result<(PlayDevice, DeviceIdentity), PlayOutcomeError> {
        let device: PlayDevice
        do {
            device = try PlayDevice.make(location: settings.location, profile: prepared.device, body: prepared.body,
                                         clock: clock, timeScale: settings.timeScale, tracePath: settings.tracePath,
                                         faults: settings.faults)
        } catch {
            switch error {
            case let .cannotCreateTrace(message): return .failure(PlayOutcomeError(.cannotCreate(message)))
            case let .unavailable(message): return .failure(PlayOutcomeError(.deviceUnavailable(message)))
            }
        }
        do {
            return .success((device, try device.backend.open()))
        } catch {
            device.backend.close()
            return .failure(PlayOutcomeError(.deviceUnavailable(error.description)))
        }
    }

    /// The live view when standard output is a terminal (keys when standard input is one too).
    private func makeLiveScreen() -> LiveScreen? {
        guard isatty(1) == 1, settings.environment["TERM"] != "dumb" else { return nil }
        let keyFD: Int32 = isatty(0) == 1 ? 0 : -1
        return LiveScreen(terminal: TerminalMode(inputFD: keyFD, outputFD: 1),
                          style: TerminalStyle.from(environment: settings.environment))
    }

    /// Starts the engine and runs the main loop — draw, read keys, repeat — until the
    /// engine's run has ended.
    private func play(engine: Engine, envelope: SafetyEnvelope, reader: inout PlayStatusReader,
                      screen: LiveScreen?, stopper: PlayStopper, stopThread: SignalWatcher,
                      onProgress: (String) -> Void) -> RunResult {
        let timeline = prepared.timeline, rate = settings.rate
        let patternTap = reader.patternTap, outputTap = reader.outputTap
        let thread = EngineThread(engine: engine) {
            let frames = TappedFrames(base: timeline.frames(rate: rate), tap: patternTap)
            return TappedSafeFrames(base: frames.safe(through: envelope, period: 1 / rate).makeIterator(),
                                    tap: outputTap)
        }
        let keys = KeyReader(fd: screen?.keyFD ?? -1)
        let wall = MonotonicClock()
        let started = wall.now()
        var nextProgress = 0.0
        while true {
            let result = thread.finished
            let status = reader.read(stopping: stopper.isRequested, finished: result != nil)
            if let screen {
                screen.draw(status)
            } else {
                let seconds = Double(wall.now() - started) / 1e9
                if seconds >= nextProgress || result != nil {
                    onProgress(ProgressLine.text(status))
                    nextProgress = seconds + ProgressLine.interval
                }
            }
            if let result { return result }
            for key in keys.waitForKeys(milliseconds: Int32(1000 / Self.framesPerSecond), wake: thread.endedFD) {
                switch key {
                case .togglePause:
                    if envelope.isPauseRequested {
                        envelope.resume()
                        reader.noteResume()
                    } else {
                        envelope.pause()
                    }
                case .capUp: envelope.adjustPersonCap(by: SafetyEnvelope.personCapStep)
                case .capDown: envelope.adjustPersonCap(by: -SafetyEnvelope.personCapStep)
                case let .quit(how): stopThread.post(how)
                }
            }
        }
    }
}

/// A way out before anything played, carried through `Result`.
struct PlayOutcomeError: Error {
    let outcome: PlayOutcome
    init(_ outcome: PlayOutcome) { self.outcome = outcome }
}
