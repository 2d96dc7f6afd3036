import KneadPatternFile
import KneadPictures

/// The plain progress line printed every few seconds when stdout is not a terminal
/// (a log, a pipe, CI): one line each, no escape sequences.
///
///     knead: 1:30 of 12:00 (12%) step 3/9 petrissage · rhomboids-left, intensity 45%, cap 100%
public enum ProgressLine {
    /// Real seconds between lines.
    public static let interval = 2.0

    public static func text(_ status: PlayStatus) -> String {
        var line = "knead: \(status.elapsedText) of \(clockText(status.duration)) "
            + "(\(Int((status.fraction * 100).rounded(.down)))%) \(status.stepDescription)"
        line += ", intensity \(Int((status.requested.intensity * 100).rounded()))%"
        line += ", cap \(Int((status.personCap * 100).rounded()))%"
        // The phase, unless the step's place already says it (between steps it does).
        let description = status.stepDescription
        switch status.phase {
        case .paused: line += ", paused"
        case .pausing: line += ", pausing"
        case .stopping where description != "stopping": line += ", stopping"
        case .rampingOut where description != "ramping out": line += ", ramping out"
        default: break
        }
        return line + "\n"
    }
}
