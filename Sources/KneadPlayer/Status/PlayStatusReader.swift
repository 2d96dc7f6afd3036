import KneadCore
import KneadEngine

/// Reads where a play is, for the live view and the progress line: the pattern's
/// clock and step from the frames taken from the timeline, the levels sent from the
/// frames after the envelope, the device's own report from its telemetry, and the
/// envelope's phase and the person's cap. Main thread only.
struct PlayStatusReader {
    let session: PreparedSession
    let settings: PlaySettings
    let envelope: SafetyEnvelope
    /// Frames as the timeline gave them (pattern time, step, technique, zone).
    let patternTap: FrameTap
    /// Frames as the envelope let them through (what the device was asked for).
    let outputTap: FrameTap
    let telemetry: TelemetryWatcher

    /// Pattern seconds played: they hold while paused, and never go back.
    private(set) var elapsed = 0.0
    /// Pattern time of the last resume, for the "resuming" phase.
    private var resumedAt: Double?

    init(session: PreparedSession, settings: PlaySettings, envelope: SafetyEnvelope,
         patternTap: FrameTap, outputTap: FrameTap, telemetry: TelemetryWatcher) {
        self.session = session
        self.settings = settings
        self.envelope = envelope
        self.patternTap = patternTap
        self.outputTap = outputTap
        self.telemetry = telemetry
    }

    mutating func noteResume() {
        resumedAt = elapsed
    }

    mutating func read(stopping: Bool, finished: Bool) -> PlayStatus {
        let timeline = session.timeline
        let pattern = patternTap.snapshot()
        let output = outputTap.snapshot()
        if let pattern { elapsed = max(elapsed, pattern.time) }
        let envelopePhase = envelope.phase
        // The timeline has given its last frame: the pattern is played; what follows is the ramp out.
        if (envelopePhase == .ending || envelopePhase == .ended) && !envelope.reachedSessionCap {
            elapsed = timeline.duration
        }

        var phase: PlayStatus.Phase
        switch envelopePhase {
        case .idle: phase = .starting
        case .playing:
            if elapsed < session.limits.startRamp {
                phase = .starting
            } else if let resumedAt, elapsed - resumedAt < session.limits.startRamp {
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
        if stopping { phase = .stopping }
        if finished && !stopping { phase = .finished }

        let step = pattern.flatMap { frame in
            frame.step >= 0 && frame.step < timeline.steps.count && timeline.steps[frame.step].index == frame.step
                ? timeline.steps[frame.step] : timeline.steps.first { $0.index == frame.step }
        }
        let requested = PlayStatus.Levels(intensity: output?.intensity ?? 0, pressure: output?.pressure ?? 0,
                                          position: output?.position ?? .restPosition)
        let hasPosition = session.device.position != nil
        // A handheld has no roller: the map shows where the frames say to hold it.
        let actual = telemetry.latest.map {
            PlayStatus.Levels(intensity: $0.intensity, pressure: $0.pressure,
                              position: hasPosition ? BackPoint(x: $0.x, y: $0.y) : requested.position)
        }
        return PlayStatus(
            patternName: session.pattern.name, deviceName: session.device.name,
            simulated: settings.location.isSimulated, timeScale: settings.timeScale, phase: phase,
            elapsed: elapsed, duration: timeline.duration, step: step, stepCount: timeline.steps.count,
            technique: pattern?.technique ?? .rest, target: pattern?.target ?? .point(.restPosition),
            requested: requested, actual: actual, personCap: envelope.personCap,
            hasPressure: session.device.pressure != nil, hasPosition: hasPosition)
    }

    /// The status before the engine has started (opening the device).
    static func idleStatus(session: PreparedSession, settings: PlaySettings, envelope: SafetyEnvelope) -> PlayStatus {
        PlayStatus(
            patternName: session.pattern.name, deviceName: session.device.name,
            simulated: settings.location.isSimulated, timeScale: settings.timeScale, phase: .starting,
            elapsed: 0, duration: session.timeline.duration, step: nil, stepCount: session.timeline.steps.count,
            technique: .rest, target: .point(.restPosition),
            requested: PlayStatus.Levels(intensity: 0, pressure: 0, position: .restPosition), actual: nil,
            personCap: envelope.personCap, hasPressure: session.device.pressure != nil,
            hasPosition: session.device.position != nil)
    }
}
