import KneadCore
import Testing
@testable import KneadPatternFile

@Suite("Diagnostics")
struct DiagnosticTests {
    @Test func rendering() {
        let plain = Diagnostic.error(at: at(4, 7), "duration needs a unit, e.g. 8s")
        #expect(plain.rendered(file: "p.yaml") == "p.yaml:4:7: error: duration needs a unit, e.g. 8s")
        let hinted = Diagnostic.warning(at: at(2, 3), "something", hint: "do this")
        #expect(hinted.rendered(file: "p.yaml") == "p.yaml:2:3: warning: something\n  hint: do this")
        #expect(hinted.headline(file: "p.yaml") == "p.yaml:2:3: warning: something")
        let whole = Diagnostic.error(at: .unknown, "no such file")
        #expect(whole.rendered(file: "p.yaml") == "p.yaml: error: no such file")
    }

    @Test func sortingAndStrict() {
        let list: [Diagnostic] = [
            .warning(at: at(3, 1), "w"), .error(at: at(2, 9), "b"), .error(at: at(3, 1), "e"), .error(at: at(2, 9), "a"),
        ]
        #expect(list.sortedByPosition().map(\.message) == ["a", "b", "e", "w"])
        #expect(!list.filter { !$0.isError }.hasErrors)
        #expect(list.promotingWarnings().filter { !$0.isError }.isEmpty)
        #expect([Diagnostic.warning(at: at(1, 1), "w")].rendered(file: "f") == "f:1:1: warning: w\n")
    }

    @Test func editDistance() {
        #expect(Suggestions.distance("efleurage", "effleurage") == 1)
        #expect(Suggestions.distance("effluerage", "effleurage") == 1)  // two letters swapped
        #expect(Suggestions.distance("", "rest") == 4)
        #expect(Suggestions.distance("rest", "rest") == 0)
        #expect(Suggestions.didYouMean("Effleurage", among: ["effleurage", "rest"]) == " (did you mean 'effleurage'?)")
        #expect(Suggestions.didYouMean("massage", among: ["effleurage", "rest"]) == "")
        #expect(Suggestions.didYouMean("z", among: ["x", "y"]) == "")
    }
}
