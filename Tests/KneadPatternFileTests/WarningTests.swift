import Foundation
import KneadCore
import Testing
@testable import KneadPatternFile

@Suite("Pattern warnings and --strict")
struct WarningTests {
    /// A light last step, so a test of something else is not warned for ending on firm work.
    static let lightFinish = "  - effleurage: {strokes: 1}\n"

    private func check(_ steps: String, strict: Bool = false) -> PatternFileResult {
        PatternFile.parse(text: "pattern: w\nopt-in: [deep-tissue, short-session]\nsteps:\n" + steps, fileName: "w.yaml", options: PatternFileOptions(strict: strict))
    }

    @Test func longTriggerPointHold() throws {
        let result = check("  - warm-up\n  - trigger-point: {at: rhomboids-left, hold: 45s}\n" + Self.lightFinish)
        #expect(result.rendered() == """
            w.yaml:5:5: warning: trigger-point hold of 45 s is longer than 30 s
              hint: a knot is held 10–30 s until it releases; hold it again later rather than longer

            """)
        #expect(!result.hasErrors)
        #expect(result.pattern != nil)
        #expect(result.timeline != nil)
        #expect(check("  - warm-up\n  - trigger-point: {at: rhomboids-left, hold: 30s}\n" + Self.lightFinish).diagnostics == [])
    }

    @Test func strictTurnsWarningsIntoErrors() {
        let result = check("  - warm-up\n  - trigger-point: {at: rhomboids-left, hold: 45s}\n" + Self.lightFinish, strict: true)
        #expect(result.headlines == ["w.yaml:5:5: error: trigger-point hold of 45 s is longer than 30 s"])
        #expect(result.diagnostics.first?.hint == "a knot is held 10–30 s until it releases; hold it again later rather than longer")
        #expect(result.hasErrors)
        #expect(result.pattern == nil)
        #expect(result.timeline == nil)
        // The README's example is clean under --strict on the chair, which taps by itself.
        #expect(Fixture.check("desk-reset.yaml", options: PatternFileOptions(strict: true)).diagnostics == [])
    }

    @Test func firmWorkWithoutWarmUp() {
        #expect(check("  - deep-tissue: {zone: rhomboids}\n  - deep-tissue: {zone: rhomboids}\n" + Self.lightFinish).headlines == [
            "w.yaml:4:5: warning: deep-tissue is firm work with no warm-up before it",
        ])
        #expect(check("  - rest: 5s\n  - petrissage: {pressure: firm}\n" + Self.lightFinish).headlines == [
            "w.yaml:5:5: warning: firm pressure with no warm-up before it",
        ])
        // Shiatsu's default pressure (65 %) is firm.
        #expect(check("  - shiatsu\n" + Self.lightFinish).headlines == ["w.yaml:4:5: warning: firm pressure with no warm-up before it"])
        // A warm-up, or light effleurage, first: no warning.
        #expect(check("  - warm-up\n  - deep-tissue\n" + Self.lightFinish).diagnostics == [])
        #expect(check("  - effleurage\n  - trigger-point: {at: teres-left}\n" + Self.lightFinish).diagnostics == [])
        // Firm effleurage is not a warm-up.
        #expect(check("  - effleurage: {pressure: firm}\n  - deep-tissue\n" + Self.lightFinish).headlines == [
            "w.yaml:4:5: warning: firm pressure with no warm-up before it",
        ])
    }

    @Test func firmPressureOnTheSpine() {
        let result = check("  - warm-up\n  - petrissage: {zone: spine, pressure: firm}\n"
                           + "  - trigger-point: {at: {x: 0.51, y: 0.5}}\n  - petrissage: {zone: spine, pressure: light}\n"
                           + "  - deep-tissue: {from: lower-ribs, to: spine}\n" + Self.lightFinish)
        #expect(result.headlines == [
            "w.yaml:5:5: warning: firm pressure on the spine line (spine)",
            "w.yaml:6:5: warning: firm pressure on the spine line (point(0.51,0.50))",
            "w.yaml:8:5: warning: firm pressure on the spine line (spine)",
        ])
        #expect(result.diagnostics.first?.hint == "the spine is bone: work the paraspinal lines beside it, or use light pressure; "
                + "the safety envelope moves firm pressure off the spine")
        // Beside the spine is where firm work belongs.
        #expect(check("  - warm-up\n  - trigger-point: {at: {x: 0.44, y: 0.5}}\n" + Self.lightFinish).diagnostics == [])
    }

    @Test func longSessionFromTheCompiledTimeline() throws {
        let result = check("  - warm-up\n  - petrissage: {duration: 4min}\n  - friction: {duration: 4min}\n  - rest: 5s\n")
        let timeline = try #require(result.timeline)
        #expect(timeline.duration > 16 * 60)
        #expect(result.diagnostics.count == 1)
        let warning = try #require(result.diagnostics.first)
        #expect(warning.severity == .warning)
        #expect(warning.location == at(6, 5))  // the friction step runs past 15 minutes
        #expect(warning.message == "the session lasts \(Durations.describe(timeline.duration)), "
                + "longer than the 15 minutes aimed for; it passes 15 minutes in this step")
    }

    @Test func sessionWarningText() {
        let pattern = Pattern(name: "p", items: [.step(Step(technique: .rest, location: at(3, 5)))], location: at(1, 1))
        let table = [
            Timeline.StepInfo(index: 0, technique: .petrissage, target: .zone(.rhomboids, .both), start: 0, duration: 600,
                              peakIntensity: 0.5, peakPressure: 0.5, location: at(3, 5)),
            Timeline.StepInfo(index: 1, technique: .friction, target: .zone(.rhomboids, .both), start: 600, duration: 500,
                              peakIntensity: 0.5, peakPressure: 0.5, location: at(4, 5)),
        ]
        #expect(PatternWarnings.check(pattern, sessionDuration: 1100, stepTable: table) == [
            .warning(at: at(4, 5), "the session lasts 18 min 20 s, longer than the 15 minutes aimed for; it passes 15 minutes in this step",
                     hint: "self-massage is best 10–15 minutes at a time: shorten steps or split the pattern in two"),
        ])
        #expect(PatternWarnings.check(pattern, sessionDuration: 1100).map(\.location) == [at(1, 1)])
        #expect(PatternWarnings.check(pattern, sessionDuration: 900) == [])
    }

    @Test func warningsOnlyForValidPatterns() {
        let result = check("  - trigger-point: {at: rhomboids-left, hold: 45s}\n  - rest: -1s\n")
        #expect(result.headlines == ["w.yaml:5:11: error: duration must be more than 0 (got -1s)"])
    }

    @Test func aRepeatsStepsAreCheckedOnce() {
        let result = check("  - repeat: 3\n    steps:\n      - warm-up\n      - trigger-point: {at: teres-right, hold: 40s}\n" + Self.lightFinish)
        #expect(result.headlines == ["w.yaml:7:9: warning: trigger-point hold of 40 s is longer than 30 s"])
    }

    // MARK: - Issue 9: the literature's lower bounds and order

    @Test func warmUpShorterThanAMinuteBeforeFirmWork() throws {
        // 5 s a side: 10 s of warm-up, then deep tissue.
        let result = check("  - warm-up: {duration: 5s}\n  - deep-tissue\n" + Self.lightFinish)
        #expect(result.headlines == ["w.yaml:4:5: warning: warm-up of 10 s before firm work is shorter than 1 min"])
        #expect(result.diagnostics.first?.hint
                == "warm up at least a minute before deep-tissue, e.g. '- warm-up: {duration: 90s}', so the muscles are loose first")
        // Two short warm-ups add up; a minute in all is enough.
        #expect(check("  - warm-up: {duration: 15s}\n  - warm-up: {duration: 15s}\n  - deep-tissue\n" + Self.lightFinish)
            .diagnostics == [])
        // Short warm-up before light work only: nothing to warn about.
        #expect(check("  - warm-up: {duration: 5s}\n  - effleurage\n").diagnostics == [])
    }

    @Test func triggerPointHoldShorterThanTenSeconds() {
        let result = check("  - warm-up\n  - trigger-point: {at: rhomboids-left, hold: 5s}\n" + Self.lightFinish)
        #expect(result.headlines == ["w.yaml:5:5: warning: trigger-point hold of 5 s is shorter than 10 s"])
        #expect(result.diagnostics.first?.hint
                == "a knot is held 10–30 s until it releases; a shorter hold only presses it: write 'hold: 10s' or more")
        #expect(check("  - warm-up\n  - trigger-point: {at: rhomboids-left, hold: 10s}\n" + Self.lightFinish).diagnostics == [])
    }

    @Test func effleurageAwayFromTheHeart() {
        let result = check("  - warm-up\n  - effleurage: {from: neck-base, to: lower-ribs, intensity: 100%}\n")
        #expect(result.headlines == ["w.yaml:5:5: warning: effleurage strokes run downwards, away from the heart"])
        #expect(result.diagnostics.first?.hint
                == "strokes go from the lower ribs up to the neck, towards the heart: swap 'from' and 'to'")
        #expect(check("  - warm-up\n  - effleurage: {from: {x: 0.4, y: 0.9}, to: {x: 0.4, y: 0.2}}\n").headlines
            == ["w.yaml:5:5: warning: effleurage strokes run downwards, away from the heart"])
        #expect(check("  - warm-up\n  - effleurage: {from: lower-ribs, to: neck-base}\n").diagnostics == [])
    }

    @Test func endingOnFirmWorkWithoutALightFinish() {
        let result = check("  - warm-up\n  - deep-tissue\n  - rest: 10s\n")
        #expect(result.headlines == ["w.yaml:5:5: warning: the session ends on firm work (deep-tissue) without a light finish"])
        #expect(result.diagnostics.first?.hint == "end with light strokes, e.g. '- effleurage: {strokes: 2, pressure: light}', "
                + "so the muscles settle after deep work")
        // The last step played inside a repeat counts.
        #expect(check("  - warm-up\n  - repeat: 2\n    steps:\n      - effleurage\n      - trigger-point: {at: teres-left}\n")
            .headlines == ["w.yaml:8:9: warning: the session ends on firm work (trigger-point) without a light finish"])
        #expect(check("  - warm-up\n  - deep-tissue\n  - effleurage\n  - rest: 10s\n").diagnostics == [])
    }

    @Test func sessionShorterThanTenMinutesUnlessShortByDesign() throws {
        let result = PatternFile.parse(text: "pattern: w\nsteps:\n  - warm-up\n  - petrissage\n", fileName: "w.yaml")
        let timeline = try #require(result.timeline)
        #expect(timeline.duration < 600)
        #expect(result.headlines == [
            "w.yaml:1:1: warning: the session lasts \(Durations.describe(timeline.duration)), shorter than the 10 minutes aimed for",
        ])
        #expect(result.diagnostics.first?.hint == "self-massage is best 10–15 minutes at a time: lengthen steps, "
                + "or say it is short on purpose with 'opt-in: [short-session]'")
        let short = PatternFile.parse(text: "pattern: w\nopt-in: [short-session]\nsteps:\n  - warm-up\n  - petrissage\n",
                                      fileName: "w.yaml")
        #expect(short.diagnostics == [])
        #expect(short.pattern?.shortByDesign == true)
    }

    /// Every shipped pattern passes --strict on every shipped device profile.
    @Test func shippedPatternsPassStrictOnEveryShippedDevice() throws {
        let profiles = try FileManager.default.contentsOfDirectory(atPath: SourceTree.root + "/Profiles")
            .filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }
        let names = Set(profiles + ["chair", "handheld"]).sorted()
        #expect(names.count >= 10)
        let patterns = try FileManager.default.contentsOfDirectory(atPath: SourceTree.root + "/Patterns")
            .filter { $0.hasSuffix(".yaml") }.sorted()
        #expect(patterns.count >= 8)
        for name in names {
            let device = try #require(DeviceProfileFile.resolve(name, searchDirectories: [SourceTree.root + "/Profiles"]).profile)
            for file in patterns {
                let result = PatternFile.load(path: SourceTree.root + "/Patterns/" + file,
                                              options: PatternFileOptions(strict: true, device: device))
                #expect(result.diagnostics == [], "\(file) on \(name): \(result.rendered())")
            }
        }
    }
}
