import KneadCore
import Testing
@testable import KneadPatternFile

/// Deep tissue "is not for everyone: needs an explicit opt-in in the pattern" (TECHNIQUES.md).
@Suite("Opt-in for firm techniques")
struct OptInTests {
    private func parse(_ text: String) -> PatternFileResult {
        PatternFile.parse(text: text, fileName: "o.yaml")
    }

    @Test func deepTissueWithoutOptInIsAnError() {
        let result = parse("pattern: o\nsteps:\n  - warm-up\n  - repeat: 2\n    steps:\n      - deep-tissue\n")
        #expect(result.headlines == [
            "o.yaml:6:9: error: deep-tissue is firm work that does not suit everyone: the pattern must opt in to it",
        ])
        #expect(result.diagnostics.first?.hint == "add 'opt-in: [deep-tissue]' at the top of the file")
        #expect(result.pattern == nil)
    }

    @Test func optInAsListOrSingleName() throws {
        for optIn in ["[deep-tissue]", "deep-tissue", "\n  - deep-tissue"] {
            let result = parse("pattern: o\nopt-in: \(optIn)\nsteps:\n  - warm-up\n  - deep-tissue\n  - effleurage\n")
            #expect(result.diagnosticsBesideLengthAndRhythm == [], "opt-in: \(optIn)")
            #expect(result.pattern != nil)
        }
    }

    @Test func optInForSomethingElseIsAnError() {
        let result = parse("pattern: o\nopt-in: [deep-tisue, petrissage]\nsteps:\n  - warm-up\n")
        #expect(result.headlines == [
            "o.yaml:2:10: error: 'deep-tisue' needs no opt-in (did you mean 'deep-tissue'?)",
            "o.yaml:2:22: error: 'petrissage' needs no opt-in",
        ])
    }

    @Test func shortSessionIsAnOptInToo() throws {
        let result = parse("pattern: o\nopt-in: [deep-tissue, short-session]\nsteps:\n  - warm-up\n  - deep-tissue\n  - effleurage\n")
        #expect(result.diagnostics == [])
        #expect(try #require(result.pattern).shortByDesign)
        let hint = parse("pattern: o\nopt-in: [short]\nsteps:\n  - warm-up\n").diagnostics.first?.hint
        #expect(hint == "the opt-ins are deep-tissue, short-session, shallow-rhythm, e.g. opt-in: [deep-tissue]")
    }
}
