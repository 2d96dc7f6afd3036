import KneadCore

/// Patterns of any length for the benchmarks, built in code, so the figures do not
/// depend on the shipped files.
public enum BenchPatterns {
    /// A 30-second warm-up, then a block of about a minute (effleurage, petrissage,
    /// tapping, a rest, with the travel between them) repeated to come as close to
    /// `minutes` as whole blocks allow. The block's compiled length is measured, not
    /// guessed, so the figures are for the length they say.
    public static func make(minutes: Double) -> Pattern {
        let target = minutes * 60
        let once = compiledLength(pattern(repeats: 1))
        let block = compiledLength(pattern(repeats: 2)) - once
        guard block > 0 else { return pattern(repeats: 1) }
        let repeats = Swift.max(1, Int(((target - (once - block)) / block).rounded()))
        return pattern(repeats: Swift.min(repeats, 1000))
    }

    static func pattern(repeats: Int) -> Pattern {
        func step(_ technique: Technique, _ parameters: StepParameters) -> PatternItem {
            .step(Step(technique: technique, parameters: parameters))
        }
        let block: [PatternItem] = [
            step(.effleurage, StepParameters(strokes: 2, stroke: 8)),
            step(.petrissage, StepParameters(duration: 18, zone: .zone(.rhomboids, .left))),
            step(.tapping, StepParameters(duration: 15, zone: .zone(.upperTrapezius, .right), rate: 6)),
            step(.rest, StepParameters(duration: 5)),
        ]
        return Pattern(name: "Benchmark", items: [
            step(.warmUp, StepParameters(duration: 30)),
            .repeat(count: repeats, items: block, location: .unknown),
        ])
    }

    private static func compiledLength(_ pattern: Pattern) -> Double {
        (try? Compiler.compile(pattern, device: .chair).duration) ?? 0
    }
}
