import Foundation
import KneadCore
import Testing
@testable import KneadPatternFile

@Suite("Pattern files to the model")
struct PatternParsingTests {
    /// The example of issue #2, value for value.
    static let deskReset = Pattern(
        name: "Desk reset",
        description: "Twelve minutes for shoulders stiff from the desk.",
        limits: PatternLimits(intensity: 0.7),
        items: [
            .step(Step(technique: .warmUp, parameters: StepParameters(duration: 90, intensity: 0.2), location: at(5, 5))),
            .step(Step(technique: .effleurage,
                       parameters: StepParameters(pressure: 0.3, from: .zone(.lowerRibs, .both), to: .zone(.neckBase, .both),
                                                  strokes: 6, stroke: 8),
                       location: at(6, 5))),
            .step(Step(technique: .petrissage,
                       parameters: StepParameters(duration: 120, intensity: 0.5, zone: .zone(.rhomboids, .both), circle: 1.5),
                       location: at(7, 5))),
            .step(Step(technique: .triggerPoint,
                       parameters: StepParameters(intensity: 0.7, at: .zone(.upperTrapezius, .left), hold: 20),
                       location: at(8, 5))),
            .repeat(count: 2, items: [
                .step(Step(technique: .tapping,
                           parameters: StepParameters(duration: 30, zone: .zone(.upperTrapezius, .both), rate: 6),
                           location: at(11, 9))),
                .step(Step(technique: .rest, parameters: StepParameters(duration: 5), location: at(12, 9))),
            ], location: at(9, 5)),
        ],
        location: at(1, 1))

    @Test func theIssueExample() throws {
        let result = Fixture.check("desk-reset.yaml")
        #expect(result.diagnosticsBesideLengthAndRhythm == [])
        #expect(!result.hasErrors)
        let pattern = try #require(result.pattern)
        #expect(pattern == Self.deskReset)
    }

    @Test func theIssueExampleIsCompiled() throws {
        let result = Fixture.check("desk-reset.yaml")
        let timeline = try #require(result.timeline)
        #expect(timeline.name == "Desk reset")
        // Both rounds of the repeat are in the step table, each pointing at its line.
        #expect(timeline.steps.map(\.technique) == [.warmUp, .effleurage, .petrissage, .triggerPoint,
                                                    .tapping, .rest, .tapping, .rest])
        #expect(timeline.steps.map(\.location.line) == [5, 6, 7, 8, 11, 12, 11, 12])
    }

    @Test func jsonIsYAML() throws {
        let result = Fixture.check("desk-reset.json")
        #expect(result.diagnosticsBesideLengthAndRhythm == [])
        let pattern = try #require(result.pattern)
        #expect(withoutLocations(pattern) == withoutLocations(Self.deskReset))
        #expect(pattern.items.first.map { if case let .step(s) = $0 { s.location } else { .unknown } } == at(6, 6))
    }

    @Test func loadingByPathGivesTheSame() throws {
        let result = PatternFile.load(path: Fixture.path("desk-reset.yaml"))
        #expect(result.file == Fixture.path("desk-reset.yaml"))
        #expect(try #require(result.pattern) == Self.deskReset)
    }

    @Test func bareTechniqueNamesAndEmptyMappingsTakeDefaults() throws {
        let text = """
            pattern: Defaults
            steps:
              - warm-up
              - effleurage:
              - petrissage: {}
              - rest: 5s
            """
        let result = PatternFile.parse(text: text, fileName: "d.yaml")
        #expect(result.diagnosticsBesideLengthAndRhythm == [])
        let pattern = try #require(result.pattern)
        #expect(pattern.items == [
            .step(Step(technique: .warmUp, location: at(3, 5))),
            .step(Step(technique: .effleurage, location: at(4, 5))),
            .step(Step(technique: .petrissage, location: at(5, 5))),
            .step(Step(technique: .rest, parameters: StepParameters(duration: 5), location: at(6, 5))),
        ])
    }

    @Test func everyParameterKind() throws {
        let text = """
            pattern: All parameters
            limits: {intensity: 80%, pressure: medium, heat: 0.5}
            opt-in: [deep-tissue]
            steps:
              - warm-up: {duration: 1.5min, intensity: 0.2, pressure: light, zone: paraspinal, stroke: 10s}
              - friction: {zone: rhomboids-right, duration: 2min, circle: 800ms, breaks: 0s, intensity: 45%, pressure: 55%}
              - trigger-point: {at: {x: 0.38, y: 0.62}, hold: 25s, after: 0s, circle: 2s, pressure: firm}
              - deep-tissue: {from: lower-trapezius-left, to: upper-trapezius-left, strokes: 3, stroke: 12s}
              - shiatsu: {zone: paraspinal-left, rate: 0.5Hz, duration: 2min}
              - myofascial: {zone: levator-scapulae, duration: 3min, pressure: 0.4}
              - vibration: {zone: teres-left, rate: 30Hz, duration: 45s}
              - tapping: {zone: supraspinatus-right, rate: 6hz}
                heat: 40%
            """
        let result = PatternFile.parse(text: text, fileName: "all.yaml")
        #expect(result.errors == [])
        let pattern = try #require(result.pattern)
        #expect(pattern.limits == PatternLimits(intensity: 0.8, pressure: 0.5, heat: 0.5))
        let parameters = pattern.items.map { item -> StepParameters in
            if case let .step(step) = item { return step.parameters }
            return StepParameters()
        }
        #expect(parameters == [
            StepParameters(duration: 90, intensity: 0.2, pressure: 0.3, zone: .zone(.paraspinal, .both), stroke: 10),
            StepParameters(duration: 120, intensity: 0.45, pressure: 0.55, zone: .zone(.rhomboids, .right), circle: 0.8, breaks: 0),
            StepParameters(pressure: 0.75, at: .point(BackPoint(x: 0.38, y: 0.62)), circle: 2, hold: 25, after: 0),
            StepParameters(from: .zone(.lowerTrapezius, .left), to: .zone(.upperTrapezius, .left), strokes: 3, stroke: 12),
            StepParameters(duration: 120, zone: .zone(.paraspinal, .left), rate: 0.5),
            StepParameters(duration: 180, pressure: 0.4, zone: .zone(.levatorScapulae, .both)),
            StepParameters(duration: 45, zone: .zone(.teres, .left), rate: 30),
            StepParameters(zone: .zone(.supraspinatus, .right), rate: 6, heat: 0.4),
        ])
    }

    @Test func anchorsAliasesAndMergeKeys() throws {
        let text = """
            pattern: Anchors
            steps:
              - petrissage: &knead {zone: rhomboids-left, duration: 1min, intensity: 50%}
              - petrissage: {<<: *knead, zone: rhomboids-right}
              - repeat: 2
                steps: &pair
                  - tapping: {rate: 6Hz}
                  - rest: 5s
              - repeat: 3
                steps: *pair
            """
        let result = PatternFile.parse(text: text, fileName: "a.yaml")
        #expect(result.diagnosticsBesideLengthAndRhythm == [])
        let pattern = try #require(result.pattern)
        let pair: [PatternItem] = [
            .step(Step(technique: .tapping, parameters: StepParameters(rate: 6), location: at(7, 9))),
            .step(Step(technique: .rest, parameters: StepParameters(duration: 5), location: at(8, 9))),
        ]
        #expect(pattern.items == [
            .step(Step(technique: .petrissage,
                       parameters: StepParameters(duration: 60, intensity: 0.5, zone: .zone(.rhomboids, .left)),
                       location: at(3, 5))),
            .step(Step(technique: .petrissage,
                       parameters: StepParameters(duration: 60, intensity: 0.5, zone: .zone(.rhomboids, .right)),
                       location: at(4, 5))),
            .repeat(count: 2, items: pair, location: at(5, 5)),
            .repeat(count: 3, items: pair, location: at(9, 5)),
        ])
    }

    @Test func nestedRepeats() throws {
        let text = """
            pattern: Nested
            steps:
              - repeat: 2
                steps:
                  - repeat: 3
                    steps: [rest]
            """
        let pattern = try #require(PatternFile.parse(text: text, fileName: "n.yaml").pattern)
        #expect(pattern.items == [
            .repeat(count: 2, items: [
                .repeat(count: 3, items: [.step(Step(technique: .rest, location: at(6, 17)))], location: at(5, 9)),
            ], location: at(3, 5)),
        ])
    }

    @Test func columnsCountCharactersNotBytes() {
        let text = "pattern: Rücken – Entspannung\nsteps:\n  - petrissage: {zone: rhomboids, intensity: 50%, föö: 1, bär: 2}\n"
        let result = PatternFile.parse(text: text, fileName: "u.yaml")
        #expect(result.headlines == [
            "u.yaml:3:51: error: unknown parameter 'föö' for petrissage",
            "u.yaml:3:59: error: unknown parameter 'bär' for petrissage",
        ])
    }

    @Test func byteOrderMarkIsIgnored() throws {
        let data = Data([0xEF, 0xBB, 0xBF]) + Data("pattern: BOM\nsteps: [rest]\n".utf8)
        let result = PatternFile.parse(data: data, fileName: "bom.yaml")
        #expect(result.diagnosticsBesideLengthAndRhythm == [])
        #expect(try #require(result.pattern).location == at(1, 1))
    }
}
