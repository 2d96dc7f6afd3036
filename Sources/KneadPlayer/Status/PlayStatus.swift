import KneadCore
import KneadPatternFile
import KneadPictures

/// A snapshot of a play for the live view and the progress line, taken on the main
/// thread from what the engine thread and the telemetry last published.
public struct PlayStatus: Sendable, Equatable {
    public enum Phase: String, Sendable, Equatable {
        case starting, playing, pausing, paused, resuming, rampingOut, stopping, finished
    }

    public var patternName: String
    public var deviceName: String
    /// The built-in simulator plays the profile (no `--port`/`--usb`).
    public var simulated: Bool
    public var timeScale: Double
    public var phase: Phase
    /// Pattern seconds played (holds while paused).
    public var elapsed: Double
    /// Pattern length, seconds.
    public var duration: Double
    /// The step being played, nil during travel between steps and the ramp out.
    public var step: Timeline.StepInfo?
    public var stepCount: Int
    public var technique: Technique
    public var target: Target
    /// What the frames ask for, after the safety envelope.
    public var requested: Levels
    /// What the device reports (telemetry), when it reports.
    public var actual: Levels?
    /// The person's cap, 0…1 (moved with + and -).
    public var personCap: Double
    /// Whether the device has a pressure channel and a roller, for the meters shown.
    public var hasPressure: Bool
    public var hasPosition: Bool

    public struct Levels: Sendable, Equatable {
        public var intensity: Double
        public var pressure: Double
        public var position: BackPoint
    }

    public var remaining: Double { max(0, duration - elapsed) }

    /// Time played as a clock shows it (`3:07`); the full length once played to the end.
    public var elapsedText: String { elapsed >= duration ? clockText(duration) : clockText(elapsed, rounding: .down) }

    /// Time left, counted down in whole seconds (`0:00` only at the end), never more
    /// than the length shown beside it (`clockText` rounds the length to the nearest second).
    public var remainingText: String { clockText(min(remaining.rounded(.up), duration.rounded()), rounding: .down) }
    public var fraction: Double { duration > 0 ? (elapsed / duration).unitClamped : 0 }

    /// `step 4/9 petrissage · rhomboids-left`, or what happens between steps.
    public var stepDescription: String {
        if let step { return "step \(step.index + 1)/\(stepCount) \(technique.rawValue) · \(target.name)" }
        if technique == .travel { return "moving to \(target.name)" }
        switch phase {
        case .starting: return "starting"
        case .rampingOut: return "ramping out"
        case .finished: return "finished"
        case .stopping: return "stopping"
        default: return technique.rawValue
        }
    }
}
