import KneadCore
import Testing

/// The checker every safety test and fuzz target relies on must itself catch a broken
/// stream: each case is a stream that breaks exactly one rule.
@Suite("SafetyRuleChecker flags a broken stream")
struct SafetyRuleCheckerTests {
    static let limits = SafetyEnvelopeTests.limits()

    /// Ten frames at 10 Hz, at zero at both ends, gentle in between: no rule broken.
    static func calm() -> [Frame] {
        (0..<10).map { i in frame(Double(i) / 10, intensity: i == 0 || i == 9 ? 0 : 0.1) }
    }

    @Test("a calm stream passes")
    func calmPasses() {
        #expect(SafetyRuleChecker(limits: Self.limits).violations(Self.calm()).isEmpty)
    }

    @Test("each broken rule is reported", arguments: ["jump", "spine", "last", "taps", "nan"])
    func brokenRule(_ rule: String) {
        var frames = Self.calm()
        switch rule {
        case "jump": frames[4].intensity = 0.9                       // slew 2/s allows 0.2 in 0.1 s
        case "spine": frames[4].x = 0.5; frames[4].pressure = 0.2    // firm pressure on the spine line
        case "last": frames[9].intensity = 0.1                       // does not end at zero
        case "taps": frames[4].percussionDepth = 1.5                 // tap depth outside 0…1
        default: frames[4].heat = .nan
        }
        let found = SafetyRuleChecker(limits: Self.limits).violations(frames)
        #expect(!found.isEmpty, "\(rule) went unnoticed")
    }
}
