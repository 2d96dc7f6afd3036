import Foundation
import KneadCore
import Testing
@testable import KneadPatternFile

@Suite("Funscripts for script: steps")
struct FunscriptTests {
    private func parse(_ json: String) -> Result<[ScriptTrack.Point], Funscript.Problems> {
        Funscript.parse(Data(json.utf8))
    }

    private func problems(_ json: String) -> [String] {
        if case let .failure(problems) = parse(json) { return problems.messages }
        return []
    }

    @Test func pointsAreSortedAndScaled() throws {
        let points = try parse(#"{"actions": [{"at": 1000, "pos": 90}, {"at": 0, "pos": 10}, {"at": 250, "pos": 100}]}"#).get()
        #expect(points == [
            ScriptTrack.Point(time: 0, position: 0.1),
            ScriptTrack.Point(time: 0.25, position: 1),
            ScriptTrack.Point(time: 1, position: 0.9),
        ])
    }

    @Test func aScriptStepReadsItsFileAndCompanion() throws {
        let result = Fixture.check("script-valid.yaml")
        #expect(result.diagnosticsBesideLengthAndRhythm == [])
        let pattern = try #require(result.pattern)
        let ms = { (at: Double, pos: Double) in ScriptTrack.Point(time: at / 1000, position: pos / 100) }
        #expect(pattern.items == [
            .step(Step(technique: .script,
                       parameters: StepParameters(intensity: 0.4, zone: .zone(.rhomboids, .left), script: ScriptTrack(
                           path: "wave.funscript",
                           points: [ms(0, 10), ms(500, 50), ms(1000, 90), ms(2500, 20)],
                           intensity: [ms(0, 0), ms(2500, 60)])),
                       location: at(3, 5))),
        ])
    }

    @Test func scriptProblemsPointAtTheStep() {
        let result = Fixture.check("script.yaml")
        #expect(result.headlines == [
            "script.yaml:5:20: error: script 'unit-scale.funscript': positions are on a 0–1 scale; funscript positions are whole numbers 0–100 (multiply each pos by 100)",
            "script.yaml:6:20: error: script 'missing.funscript': no such file",
        ])
        #expect(result.diagnostics.last?.hint == "a script's path is relative to the pattern file's folder")
    }

    @Test func zeroToOneScaleIsRefused() {
        let message = "positions are on a 0–1 scale; funscript positions are whole numbers 0–100 (multiply each pos by 100)"
        #expect(problems(#"{"actions": [{"at": 0, "pos": 0}, {"at": 100, "pos": 0.25}]}"#) == [message])
        // Only 0 and 1: a 0–100 script would never stay within 1 %.
        #expect(problems(#"{"actions": [{"at": 0, "pos": 0}, {"at": 100, "pos": 1}, {"at": 200, "pos": 0}]}"#) == [message])
        // A script that stays at the bottom is fine.
        #expect(problems(#"{"actions": [{"at": 0, "pos": 0}, {"at": 100, "pos": 0}]}"#) == [])
        // One that declares its range (as knead's export does) is on it, 0s and 1s too:
        // found by the fuzzer (a 1 % pattern's .vib.funscript was refused on reading back).
        #expect(problems(#"{"range": 100, "actions": [{"at": 0, "pos": 0}, {"at": 100, "pos": 1}, {"at": 200, "pos": 0}]}"#) == [])
        #expect(problems(#"{"range": 100, "actions": [{"at": 0, "pos": 0}, {"at": 100, "pos": 0.25}]}"#)
                == ["action 2: pos 0.25 is not a whole number 0–100"])
    }

    @Test func valuesOutOfRange() {
        #expect(problems(#"{"actions": [{"at": -5, "pos": 140}, {"at": 10, "pos": 55.5}, {"at": 20, "pos": -1}]}"#) == [
            "action 1: pos 140 is outside 0–100",
            "action 2: pos 55.5 is not a whole number 0–100",
            "action 3: pos -1 is outside 0–100",
            "action 1: at -5 ms is before the start",
        ])
    }

    @Test func manyProblemsAreSummarised() {
        let actions = (0..<8).map { #"{"at": \#($0 * 10), "pos": 200}"# }.joined(separator: ",")
        let messages = problems(#"{"actions": [\#(actions)]}"#)
        #expect(messages.count == 6)
        #expect(messages.last == "… and 3 more problems")
    }

    @Test func malformedFiles() {
        #expect(problems(#"{"actions": []}"#) == ["the script has no actions"])
        #expect(problems("not json") == ["not valid JSON"])
        #expect(problems("[1, 2]") == ["not a funscript: expected a JSON object with an \"actions\" list"])
        #expect(problems(#"{"version": "1.0"}"#) == ["not a funscript: no \"actions\" list"])
        #expect(problems(#"{"actions": {"at": 0}}"#) == ["actions must be a list"])
        #expect(problems(#"{"actions": [{"at": 0}]}"#) == ["actions[0] has no \"pos\""])
        #expect(problems(#"{"actions": [{"at": "soon", "pos": 5}]}"#) == ["actions[0].at must be a number"])
        #expect(problems(#"{"actions": [3]}"#) == ["actions[0] must be an object {\"at\": ms, \"pos\": 0–100}"])
    }

    @Test func companionNaming() {
        #expect(Funscript.vibrationCompanion(of: "dir/wave.funscript") == "dir/wave.vib.funscript")
        #expect(Funscript.vibrationCompanion(of: "wave.vib.funscript") == nil)
        #expect(Funscript.vibrationCompanion(of: "wave.json") == nil)
    }
}
