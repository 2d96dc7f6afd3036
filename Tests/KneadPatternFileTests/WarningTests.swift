import Foundation
import KneadCore
import Testing
@testable import KneadPatternFile

@Suite("Pattern warnings and --strict")
struct WarningTests {
    private func check(_ steps: String, strict: Bool = false) -> PatternFileResult {
        PatternFile.parse(text: "pattern: w\nopt-in: [deep-tissue]\nsteps:\n" + steps, fileName: "w.yaml", options: PatternFileOptions(strict: strict))
    }

    @Test func longTriggerPointHold() throws {
        let result = check("  - warm-up\n  - trigger-point: {at: rhomboids-left, hold: 45s}\n")
        #expect(result.rendered() == """
            w.yaml:5:5: warning: trigger-point hold of 45 s is longer than 30 s
              hint: a knot is held 10–30 s until it releases; hold it again later rather than longer

            """)
        #expect(!result.hasErrors)
        #expect(result.pattern != nil)
        #expect(result.timeline != nil)
        #expect(check("  - warm-up\n  - trigger-point: {at: rhomboids-left, hold: 30s}\n").diagnostics == [])
    }

    @Test func strictTurnsWarningsIntoErrors() {
        let result = check("  - warm-up\n  - trigger-point: {at: rhomboids-left, hold: 45s}\n", strict: true)
        #expect(result.headlines == ["w.yaml:5:5: error: trigger-point hold of 45 s is longer than 30 s"])
        #expect(result.diagnostics.first?.hint == "a knot is held 10–30 s until it releases; hold it again later rather than longer")
        #expect(result.hasErrors)
        #expect(result.pattern == nil)
        #expect(result.timeline == nil)
        // A clean pattern is clean under --strict too.
        #expect(Fixture.check("desk-reset.yaml", options: PatternFileOptions(strict: true)).diagnostics == [])
    }

    @Test func firmWorkWithoutWarmUp() {
        #expect(check("  - deep-tissue: {zone: rhomboids}\n  - deep-tissue: {zone: rhomboids}\n").headlines == [
            "w.yaml:4:5: warning: deep-tissue is firm work with no warm-up before it",
        ])
        #expect(check("  - rest: 5s\n  - petrissage: {pressure: firm}\n").headlines == [
            "w.yaml:5:5: warning: firm pressure with no warm-up before it",
        ])
        // Shiatsu's default pressure (65 %) is firm.
        #expect(check("  - shiatsu\n").headlines == ["w.yaml:4:5: warning: firm pressure with no warm-up before it"])
        // A warm-up, or light effleurage, first: no warning.
        #expect(check("  - warm-up\n  - deep-tissue\n").diagnostics == [])
        #expect(check("  - effleurage\n  - trigger-point: {at: teres-left}\n").diagnostics == [])
        // Firm effleurage is not a warm-up.
        #expect(check("  - effleurage: {pressure: firm}\n  - deep-tissue\n").headlines == [
            "w.yaml:4:5: warning: firm pressure with no warm-up before it",
        ])
    }

    @Test func firmPressureOnTheSpine() {
        let result = check("  - warm-up\n  - petrissage: {zone: spine, pressure: firm}\n"
                           + "  - trigger-point: {at: {x: 0.51, y: 0.5}}\n  - petrissage: {zone: spine, pressure: light}\n"
                           + "  - deep-tissue: {from: lower-ribs, to: spine}\n")
        #expect(result.headlines == [
            "w.yaml:5:5: warning: firm pressure on the spine line (spine)",
            "w.yaml:6:5: warning: firm pressure on the spine line (point(0.51,0.50))",
            "w.yaml:8:5: warning: firm pressure on the spine line (spine)",
        ])
        #expect(result.diagnostics.first?.hint == "the spine is bone: work the paraspinal lines beside it, or use light pressure; "
                + "the safety envelope moves firm pressure off the spine")
        // Beside the spine is where firm work belongs.
        #expect(check("  - warm-up\n  - trigger-point: {at: {x: 0.44, y: 0.5}}\n").diagnostics == [])
    }

    @Test func longSessionFromTheCompiledTimeline() throws {
        let result = check("  - warm-up\n  - petrissage: {duration: 8min}\n  - friction: {duration: 8min}\n  - rest: 5s\n")
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
        let result = check("  - repeat: 3\n    steps:\n      - warm-up\n      - trigger-point: {at: teres-right, hold: 40s}\n")
        #expect(result.headlines == ["w.yaml:7:9: warning: trigger-point hold of 40 s is longer than 30 s"])
    }
}
