import Foundation
import KneadCore
import Testing
@testable import KneadPatternFile

/// `script:` steps playing Apple AHAP and Meta Haptics Studio `.haptic` files: the
/// intensity curve each file gives (worked out by hand from the format's rules), the
/// frames a device is given (golden), and problems at their line and column in the file.
@Suite("AHAP and .haptic files for script: steps")
struct HapticScriptTests {
    private func point(_ time: Double, _ level: Double) -> ScriptTrack.Point {
        ScriptTrack.Point(time: time, position: level)
    }

    private func problems(_ text: String, ahap: Bool = true) -> [String] {
        let result = ahap ? AHAP.parse(Data(text.utf8), name: "t.ahap") : HapticStudio.parse(Data(text.utf8), name: "t.haptic")
        if case let .failure(problems) = result { return problems.messages }
        return []
    }

    @Test func ahapEventsAndIntensityCurveGiveTheCurve() throws {
        let curve = try AHAP.parse(Fixture.data("buzz.ahap"), name: "buzz.ahap").get()
        let tap = AHAP.transientLength
        #expect(curve == [
            point(0, 0.8), point(tap, 0.8), point(tap, 0),            // a transient: a tap of 0.1 s
            point(0.5, 0), point(0.5, 0.6), point(0.5 + tap, 0.6), point(0.5 + tap, 0),
            point(1, 0), point(1, 0.2),                                  // the continuous event × the control curve
            point(2, 1),
            point(3, 0.5), point(3, 0),                                  // its end
        ])
    }

    @Test func ahapParametersAndOverlapsAndDefaults() throws {
        let text = """
            {"Pattern": [
              {"Event": {"Time": 0, "EventType": "HapticContinuous", "EventDuration": 2}},
              {"Event": {"Time": 0.5, "EventType": "HapticContinuous", "EventDuration": 0.5,
                         "EventParameters": [{"ParameterID": "HapticIntensity", "ParameterValue": 0.3}]}},
              {"Parameter": {"ParameterID": "HapticIntensityControl", "Time": 1.5, "ParameterValue": 0.25}},
              {"Parameter": {"ParameterID": "HapticSharpnessControl", "Time": 1.0, "ParameterValue": -0.5}}
            ]}
            """
        // No HapticIntensity: 1. The weaker overlapping event does not lower it; a
        // Parameter scales from its time on.
        #expect(try AHAP.parse(Data(text.utf8), name: "p.ahap").get() == [
            point(0, 1), point(0.5, 1), point(1, 1), point(1.5, 1), point(1.5, 0.25), point(2, 0.25), point(2, 0),
        ])
    }

    @Test func hapticEnvelopeAndEmphasisGiveTheCurve() throws {
        let curve = try HapticStudio.parse(Fixture.data("swell.haptic"), name: "swell.haptic").get()
        let tap = AHAP.transientLength
        #expect(curve == [
            point(0, 0.2), point(1, 0.6),
            point(1.5, 0.4), point(1.5, 0.9), point(1.5 + tap, 0.9), point(1.5 + tap, 0.4),  // the emphasis
            point(3, 0.4),
        ])
    }

    @Test func aScriptStepReadsAHAPAndHapticFiles() throws {
        let result = Fixture.check("haptic-scripts.yaml", options: PatternFileOptions(device: .handheld))
        #expect(result.diagnostics.filter(\.isError) == [])
        let pattern = try #require(result.pattern)
        guard case let .step(ahapStep) = pattern.items[0], case let .step(hapticStep) = pattern.items[1] else {
            Issue.record("expected two steps")
            return
        }
        let ahap = try #require(ahapStep.parameters.script)
        #expect(ahap.path == "buzz.ahap")
        #expect(ahap.points == [point(0, 0.5)])  // no positions: the middle of the line
        #expect(ahap.intensity?.count == 12)
        let haptic = try #require(hapticStep.parameters.script)
        #expect(haptic.path == "swell.haptic")
        #expect(hapticStep.parameters.zone == .zone(.rhomboids, .left))
        #expect(haptic.intensity?.last == point(3, 0.4))
    }

    /// The frames a handheld is given at 10 Hz, through the safety envelope. Regenerate
    /// with KNEAD_UPDATE_GOLDEN=1 after a deliberate change, and read the difference.
    @Test func framesMatchGolden() throws {
        let result = Fixture.check("haptic-scripts.yaml", options: PatternFileOptions(device: .handheld))
        let timeline = try #require(result.timeline)
        let limits = SafetyLimits.resolve(device: .handheld)
        let sink = MemorySink()
        let writer = CSVFrameWriter(sink: sink)
        for safe in timeline.frames(rate: 10).safe(through: SafetyEnvelope(limits: limits), period: 0.1) {
            try writer.write(safe.frame)
        }
        try writer.finish()
        let name = "haptic-scripts-handheld-10hz.csv"
        if ProcessInfo.processInfo.environment["KNEAD_UPDATE_GOLDEN"] == "1" {
            try sink.text.write(toFile: SourceTree.root + "/Tests/KneadPatternFileTests/Fixtures/" + name,
                                atomically: true, encoding: .utf8)
        }
        let golden = try String(contentsOfFile: Fixture.path(name), encoding: .utf8)
        #expect(sink.text == golden)

        // Read as a therapist would: the AHAP's taps and swell, then the .haptic at half.
        let rows = sink.text.split(separator: "\n").dropFirst().map { $0.split(separator: ",").map(String.init) }
        let intensities = rows.map { Double($0[1])! }
        let techniques = rows.map { $0[6] }
        let scripted = zip(intensities, techniques).filter { $0.1 == "script" }.map(\.0)
        #expect(scripted.max()! > 0.4)
        #expect(intensities.first == 0 && intensities.last == 0)
    }

    @Test func problemsPointAtTheirPlaceInTheImportedFile() {
        let result = Fixture.check("haptic-script-errors.yaml")
        // Same place in the pattern: sorted by message, as every diagnostic at one place is.
        #expect(result.headlines == [
            "haptic-script-errors.yaml:3:13: error: script 'bad.ahap': bad.ahap:5:89: HapticIntensity 1.4 is outside 0–1",
            "haptic-script-errors.yaml:3:13: error: script 'bad.ahap': bad.ahap:6:24: Pattern[1].Event.Time must be a number, found the string \"soon\"",
            "haptic-script-errors.yaml:3:13: error: script 'bad.ahap': bad.ahap:7:42: unknown EventType 'HapticContinous' (did you mean 'HapticContinuous'?)",
            "haptic-script-errors.yaml:3:13: error: script 'bad.ahap': bad.ahap:8:15: Pattern[3].Event has no \"EventDuration\"",
            "haptic-script-errors.yaml:4:20: error: script 'bad.haptic': bad.haptic:10:69: amplitude[3].emphasis.amplitude 0.3 is below the breakpoint's amplitude 0.6; an emphasis stands out from the envelope",
            "haptic-script-errors.yaml:4:20: error: script 'bad.haptic': bad.haptic:8:38: amplitude[1].amplitude 1.5 is outside 0–1",
            "haptic-script-errors.yaml:4:20: error: script 'bad.haptic': bad.haptic:9:20: amplitude[2].time 0.5 is before the breakpoint above it (1); breakpoints must be in time order",
            "haptic-script-errors.yaml:5:13: error: script 'broken-json.ahap': broken-json.ahap:3:28: invalid JSON: did not find expected node content (while parsing a flow node at line 3, column 28)",
        ])
    }

    @Test func malformedFiles() {
        #expect(problems("[1, 2]") == ["t.ahap:1:1: an AHAP file must be an object {…}, found a list"])
        #expect(problems(#"{"Version": 1}"#) == [#"t.ahap:1:1: not an AHAP file: no "Pattern" list"#])
        #expect(problems(#"{"Pattern": [{"Event": {"Time": 0, "EventType": "AudioCustom"}}]}"#)
                == ["t.ahap:1:13: the pattern has no haptic events (HapticTransient or HapticContinuous)"])
        #expect(problems(#"{"Pattern": [{"Nothing": 1}]}"#)
                == [#"t.ahap:1:14: Pattern[0] must hold an "Event", a "ParameterCurve" or a "Parameter""#])
        #expect(problems(#"{"version": {"major": 2}, "signals": {}}"#, ahap: false)
                == ["t.haptic:1:23: version 2 of the .haptic format is not supported; knead reads version 1"])
        #expect(problems(#"{"signals": {"continuous": {"envelopes": {"amplitude": []}}}}"#, ahap: false)
                == ["t.haptic:1:56: the amplitude envelope is empty"])
        #expect(problems(#"{"metadata": {}}"#, ahap: false) == [#"t.haptic:1:1: not a .haptic file: no "signals""#])
    }
}
