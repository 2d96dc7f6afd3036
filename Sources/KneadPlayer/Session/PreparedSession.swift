import KneadCore
import KneadPatternFile
import KneadPictures

/// A pattern file read, checked and compiled for a device, with the safety limits of
/// the session it would be played in: everything a play needs before a device is touched.
public struct PreparedSession: Sendable {
    public let path: String
    public let pattern: Pattern
    public let timeline: Timeline
    public let device: DeviceProfile
    public let body: BodyProfile
    public let limits: SafetyLimits

    public init(path: String, pattern: Pattern, timeline: Timeline, device: DeviceProfile, body: BodyProfile,
                limits: SafetyLimits) {
        self.path = path
        self.pattern = pattern
        self.timeline = timeline
        self.device = device
        self.body = body
        self.limits = limits
    }

    /// Why a pattern file gave no session.
    public enum Failure: Error, Sendable, Equatable {
        /// The file is missing or unreadable (EX_NOINPUT, 66).
        case fileProblem
        /// The file has errors (EX_DATAERR, 65).
        case invalid
    }

    /// What reading the file gave: the session (nil on failure) and every diagnostic,
    /// rendered as `FILE:LINE:COL: error: …` lines for standard error.
    public struct Loaded: Sendable {
        public let session: Result<PreparedSession, Failure>
        public let diagnostics: String
    }

    /// Reads, checks and compiles `path` for `device` and `body`.
    /// - Parameters:
    ///   - personCap: the person's cap (`--max-intensity`), nil for none.
    ///   - sessionCap: seconds (`--session-cap`), nil for the default.
    public static func load(path: String, device: DeviceProfile, body: BodyProfile,
                            personCap: Level? = nil, sessionCap: Double? = nil) -> Loaded {
        let result = PatternFile.load(path: path, options: PatternFileOptions(device: device, body: body))
        var diagnostics = result.rendered()
        if result.fileProblem != nil { return Loaded(session: .failure(.fileProblem), diagnostics: diagnostics) }
        guard !result.hasErrors, let pattern = result.pattern, let timeline = result.timeline else {
            return Loaded(session: .failure(.invalid), diagnostics: diagnostics)
        }
        let limits = SafetyLimits.resolve(device: device, body: body, pattern: pattern.limits,
                                          personCap: personCap, sessionCap: sessionCap)
        let session = PreparedSession(path: path, pattern: pattern, timeline: timeline, device: device, body: body,
                                      limits: limits)
        diagnostics += session.sessionCapNote ?? ""
        return Loaded(session: .success(session), diagnostics: diagnostics)
    }

    /// The frames a device would be given: sampled at `rate` and passed through a fresh
    /// safety envelope, ending with its ramp to zero.
    public func safeFrames(rate: Double) -> SafeFrames<TimelineFrames> {
        timeline.frames(rate: rate).safe(through: SafetyEnvelope(limits: limits), period: 1 / rate)
    }

    /// How long the picture's time axis must be: the session up to its cap, plus the
    /// longest final ramp.
    public var pictureDuration: Double {
        Swift.min(timeline.duration, limits.sessionCap) + limits.endRamp
    }

    /// A note when the pattern outlasts the session cap; nil otherwise.
    var sessionCapNote: String? {
        guard timeline.duration > limits.sessionCap else { return nil }
        let minutes = (timeline.duration / 60).rounded(.up)
        let hint = minutes <= SafetyLimits.longestSessionCap / 60
            ? "raise the cap with --session-cap, e.g. --session-cap \(Int(minutes))min"
            : "the longest cap is --session-cap \(Int(SafetyLimits.longestSessionCap / 3600))h; split the pattern to play it all"
        return "knead: note: \(path) lasts \(clockText(timeline.duration)), longer than the session cap of "
            + "\(clockText(limits.sessionCap)); the frames ramp to zero at \(clockText(limits.sessionCap))\n"
            + "  hint: \(hint)\n"
    }
}
