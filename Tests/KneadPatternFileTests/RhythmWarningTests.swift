import Foundation
import KneadCore
import Testing
@testable import KneadPatternFile

/// Issue 9, finding 1, read as a therapist would: tapping at 6 Hz on the chair is a
/// ripple, not taps. The frames show it, the timeline says it, and check warns.
@Suite struct RhythmWarningTests {
    static let tapping = """
        pattern: Taps
        steps:
          - warm-up: {duration: 90s, intensity: 20%}
          - tapping: {zone: upper-trapezius-left, rate: 6Hz, duration: 30s}
        """

    /// The chair with its tapping mechanism off: it can only sample taps.
    static let plainChair: DeviceProfile = {
        var chair = DeviceProfile.chair
        chair.percussion = nil
        return chair
    }()

    static func load(_ text: String, device: DeviceProfile, strict: Bool = false) -> PatternFileResult {
        PatternFile.parse(text: text, fileName: "taps.yaml", options: PatternFileOptions(strict: strict, device: device))
    }

    @Test func tappingOnTheChairIsARippleAndTheWarningSaysHowDeep() throws {
        let result = Self.load(Self.tapping, device: Self.plainChair)
        let timeline = try #require(result.timeline)
        let step = try #require(timeline.steps.first { $0.technique == .tapping })
        // The middle of the step, away from its ramps: one second of frames at 600 Hz.
        let middle = step.start + step.duration / 2
        let levels = (0..<600).map { timeline.frame(at: middle + Double($0) / 600).intensity }
        let high = try #require(levels.max()), low = try #require(levels.min())
        let swing = (high - low) / high
        #expect(swing < 0.25, "taps swing \(low)…\(high): a ripple on the chair")
        let shortfall = try #require(timeline.rhythmShortfalls.first { $0.channel == .intensity })
        #expect(abs(shortfall.reached - swing) < 0.02, "the reported depth is the one in the frames")
        #expect(abs(shortfall.neededSlew - 0.5 * Double.pi * 6 / 0.75) < 1e-9)
        let warning = try #require(result.diagnostics.first { $0.message.contains("tapping at 6 Hz reaches") })
        #expect(warning.severity == .warning && warning.location.line == 4 && warning.location.column == 5)
        #expect(warning.message.contains("on chair") && warning.message.contains("12.6/s")
                && warning.message.contains("the device's is 2/s"), "\(warning.message)")
        #expect(warning.hint?.contains("rate: 0.7Hz") == true, "\(warning.hint ?? "")")
    }

    @Test func strictFailsAndASlowEnoughRhythmIsNotWarned() {
        #expect(Self.load(Self.tapping, device: Self.plainChair, strict: true).diagnostics.hasErrors)
        let slow = Self.tapping.replacingOccurrences(of: "rate: 6Hz", with: "rate: 0.5Hz")
        #expect(!Self.load(slow, device: Self.plainChair).diagnostics.contains { $0.message.contains("depth on") })
    }

    @Test func theChairTapsByItselfSoItIsNotWarned() {
        #expect(!Self.load(Self.tapping, device: .chair).diagnostics.contains { $0.message.contains("depth on") })
    }

    @Test func aHandheldIsNotWarnedAboutPressureItDoesNotHave() throws {
        let warning = try #require(Self.load(Self.tapping, device: .handheld).diagnostics
            .first { $0.message.contains("depth on handheld") })
        #expect(!warning.message.contains("pressure"))
        #expect(warning.message.contains("reaches 24 %"), "\(warning.message)")
    }
}
