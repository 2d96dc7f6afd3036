import Foundation
import KneadCore
import Yams

/// A pattern file's node tree to the `Pattern` model, reporting every problem it finds.
struct PatternParser {
    static let topLevelKeys = ["pattern", "description", "limits", "opt-in", "steps"]
    /// Techniques a pattern must opt in to: firm work that does not suit everyone
    /// (TECHNIQUES.md: deep tissue "needs an explicit opt-in in the pattern").
    static let optInTechniques: [Technique] = [.deepTissue]
    static let limitKeys = ["intensity", "pressure", "heat"]
    /// `repeat` inside `repeat` inside …: deeper than this is a mistake or an attack.
    static let maxRepeatDepth = 16
    static let maxRepeatCount = 1000
    static let maxStrokes = 1000

    let reader: NodeReader
    /// Where `script:` paths are resolved from (the pattern file's folder); nil: the current directory.
    let baseDirectory: String?

    func parse(root: Node) -> Pattern? {
        guard case .mapping = root else {
            reader.error(root, "a pattern file is a mapping with 'pattern:' and 'steps:' at the top, not \(NodeReader.kindName(root))",
                         hint: "start with 'pattern: My program' and then 'steps:' with a list of techniques")
            return nil
        }
        guard let entries = reader.entries(of: root, expected: "a mapping") else { return nil }
        let techniqueNames = Technique.patternTechniques.map(\.rawValue)
        for entry in entries where !Self.topLevelKeys.contains(entry.key) {
            let suggestion = Suggestions.didYouMean(entry.key, among: Self.topLevelKeys)
            let hint = techniqueNames.contains(entry.key) || entry.key == "repeat"
                ? "steps go in the list under 'steps:', each starting with '- '"
                : (suggestion.isEmpty ? "a pattern file has pattern, description, limits, opt-in and steps" : nil)
            reader.error(entry.keyLocation, "unknown key '\(entry.key)'" + suggestion, hint: hint)
        }
        let byKey = Dictionary(entries.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })

        var name: String?
        if let entry = byKey["pattern"] {
            name = reader.requiredText(entry.value, what: "the pattern's name")
        } else {
            reader.error(YAMLDocument.location(root.mark), "missing 'pattern:', the program's name",
                         hint: "add a line such as 'pattern: Desk reset'")
        }
        var description: String?
        if let entry = byKey["description"], !NodeReader.isNull(entry.value) {
            description = reader.requiredText(entry.value, what: "description")
        }
        let limits = byKey["limits"].map { self.limits($0.value) } ?? PatternLimits()

        var optedInShort = false, optedInShallow = false
        let optedIn = byKey["opt-in"].map { self.optIn($0.value, short: &optedInShort, shallow: &optedInShallow) } ?? []

        var items: [PatternItem]?
        if let entry = byKey["steps"] {
            items = steps(entry.value, owner: entry.keyLocation, depth: 0, what: "'steps'")
            if let items { requireOptIn(items, optedIn: optedIn) }
        } else {
            reader.error(YAMLDocument.location(root.mark), "missing 'steps:', the list of techniques",
                         hint: "add 'steps:' followed by lines such as '  - warm-up: {duration: 90s}'")
        }
        guard let name, let items, !reader.budgetExceeded else { return nil }
        var pattern = Pattern(name: name, description: description, limits: limits, items: items,
                              location: byKey["pattern"]?.keyLocation ?? YAMLDocument.location(root.mark))
        pattern.shortByDesign = optedInShort
        pattern.shallowRhythmAccepted = optedInShallow
        Expansion.check(pattern, stepsLocation: byKey["steps"]?.keyLocation ?? pattern.location, reader: reader)
        return pattern
    }

    // MARK: - Opt-in

    /// `short-session` is the other opt-in: the pattern is shorter than the 10 minutes
    /// aimed for on purpose (a quick handheld round), so that warning is not given.
    static let shortSessionOptIn = "short-session"
    /// `shallow-rhythm`: the pattern's taps may come out shallower than written on a
    /// device that cannot follow them (RhythmWarnings), and the author has said so.
    static let shallowRhythmOptIn = "shallow-rhythm"

    private func optIn(_ node: Node, short: inout Bool, shallow: inout Bool) -> Set<Technique> {
        let names = Self.optInTechniques.map(\.rawValue) + [Self.shortSessionOptIn, Self.shallowRhythmOptIn]
        let example = "e.g. opt-in: [deep-tissue]"
        var elements: [Node] = []
        if case .scalar = node { elements = [node] } else if let list = reader.elements(of: node, expected: "a list of techniques, \(example)") {
            elements = list
        }
        var techniques: Set<Technique> = []
        for element in elements {
            guard let name = reader.requiredText(element, what: "an opt-in") else { continue }
            if name == Self.shortSessionOptIn {
                short = true
            } else if name == Self.shallowRhythmOptIn {
                shallow = true
            } else if let technique = Technique(rawValue: name), Self.optInTechniques.contains(technique) {
                techniques.insert(technique)
            } else {
                reader.error(element, "'\(name)' needs no opt-in" + Suggestions.didYouMean(name, among: names),
                             hint: "the opt-ins are \(names.joined(separator: ", ")), \(example)")
            }
        }
        return techniques
    }

    /// Reports every step of a technique that needs an opt-in the pattern did not give.
    private func requireOptIn(_ items: [PatternItem], optedIn: Set<Technique>) {
        for item in items {
            switch item {
            case let .step(step) where Self.optInTechniques.contains(step.technique) && !optedIn.contains(step.technique):
                reader.error(step.location,
                             "\(step.technique.rawValue) is firm work that does not suit everyone: the pattern must opt in to it",
                             hint: "add 'opt-in: [\(step.technique.rawValue)]' at the top of the file")
            case let .repeat(_, inner, _):
                requireOptIn(inner, optedIn: optedIn)
            default:
                break
            }
        }
    }

    // MARK: - Limits

    private func limits(_ node: Node) -> PatternLimits {
        var limits = PatternLimits()
        guard let entries = reader.entries(of: node, expected: "a mapping such as {intensity: 70%}") else { return limits }
        let known = reader.unknownKeys(entries, known: Self.limitKeys, describe: { "unknown limit '\($0)'" },
                                       hint: "limits may cap intensity, pressure and heat, e.g. limits: {intensity: 70%}")
        for entry in known {
            guard let text = reader.requiredText(entry.value, what: "the \(entry.key) limit") else { continue }
            let value = entry.key == "pressure" ? Values.pressure(text, key: entry.key) : Values.level(text, key: entry.key)
            guard let level = take(value, at: entry.value) else { continue }
            switch entry.key {
            case "intensity": limits.intensity = level
            case "pressure": limits.pressure = level
            default: limits.heat = level
            }
        }
        return limits
    }

    // MARK: - Steps

    /// The list under `steps:` (or under a repeat's `steps:`); nil after reporting if it is
    /// not a non-empty list.
    private func steps(_ node: Node, owner: SourceLocation, depth: Int, what: String) -> [PatternItem]? {
        if NodeReader.isNull(node) {
            reader.error(owner, "\(what) is empty: it needs at least one step",
                         hint: "list the steps below it, each starting with '- ', e.g. '  - rest: 5s'")
            return nil
        }
        guard let elements = reader.elements(of: node, expected: "a list of steps, each starting with '- '") else { return nil }
        guard !elements.isEmpty else {
            reader.error(node, "\(what) is empty: it needs at least one step",
                         hint: "list the steps, each starting with '- ', e.g. '  - rest: 5s'")
            return nil
        }
        var items: [PatternItem] = []
        var failed = false
        for element in elements {
            guard !reader.budgetExceeded else { return nil }
            if let item = step(element, depth: depth) { items.append(item) } else { failed = true }
        }
        return failed ? nil : items
    }

    private func step(_ node: Node, depth: Int) -> PatternItem? {
        guard reader.visit(node) else { return nil }
        switch NodeReader.value(node) {
        case .null:
            reader.error(node, "empty step", hint: "write a technique, e.g. '- rest: 5s'")
            return nil
        case let .text(name):
            // A bare technique name: that technique with its defaults.
            guard let technique = Self.technique(named: name) else {
                reportUnknownTechnique(name, at: YAMLDocument.location(node.mark))
                return nil
            }
            return stepItem(technique, key: node, value: nil, heat: nil)
        case .notScalar:
            break
        }
        guard case .mapping = node else {
            reader.error(node, "a step is a technique with its parameters, such as '- rest: 5s', not \(NodeReader.kindName(node))")
            return nil
        }
        guard let entries = reader.entries(of: node, expected: "a step") else { return nil }
        if let repeatEntry = entries.first(where: { $0.key == "repeat" }) {
            return repeatItem(repeatEntry, entries: entries, depth: depth)
        }

        let namedTechnique = entries.lazy.compactMap { Self.technique(named: $0.key) }.first
        var techniques: [(Technique, Entry)] = []
        var heat: Entry?
        var unknown = false
        for entry in entries {
            if let technique = Self.technique(named: entry.key) {
                techniques.append((technique, entry))
            } else if entry.key == "heat" {
                heat = entry
            } else if entry.key == "steps" {
                reader.error(entry.keyLocation, "'steps' inside a step needs 'repeat:', how many times to play them",
                             hint: "write '- repeat: 2' with 'steps:' under it, indented the same")
                unknown = true
            } else {
                unknown = true
                if let namedTechnique, TechniqueDefaults.accepted(namedTechnique).contains(entry.key) {
                    reader.error(entry.keyLocation, "'\(entry.key)' belongs inside the technique's mapping",
                                 hint: "write '\(namedTechnique.rawValue): {\(entry.key): …}'")
                } else {
                    reportUnknownTechnique(entry.key, at: entry.keyLocation)
                }
            }
        }
        guard let (technique, entry) = techniques.first else {
            if !unknown {
                reader.error(node, "the step has no technique",
                             hint: "name one of " + Self.techniqueList + ", e.g. '- rest: 5s'")
            }
            return nil
        }
        for (extra, extraEntry) in techniques.dropFirst() {
            reader.error(extraEntry.keyLocation,
                         "one technique per step: '\(extra.rawValue)' is in the same step as '\(technique.rawValue)'",
                         hint: "start a new list item for it: '- \(extra.rawValue): …'")
            _ = stepItem(extra, key: extraEntry.keyNode, value: extraEntry.value, heat: nil)  // its own problems too
        }
        let item = stepItem(technique, key: entry.keyNode, value: entry.value, heat: heat)
        return techniques.count == 1 && !unknown ? item : nil
    }

    private func repeatItem(_ repeatEntry: Entry, entries: [Entry], depth: Int) -> PatternItem? {
        var ok = true
        for entry in entries where entry.key != "repeat" && entry.key != "steps" {
            ok = false
            if let technique = Self.technique(named: entry.key) {
                reader.error(entry.keyLocation, "a repeat holds its techniques in its 'steps:' list, not beside 'repeat'",
                             hint: "move '\(technique.rawValue)' into the list under 'steps:'")
            } else if entry.key == "heat" {
                reader.error(entry.keyLocation, "heat goes on each step inside the repeat, not on the repeat")
            } else {
                reader.error(entry.keyLocation, "unknown key '\(entry.key)' in a repeat" + Suggestions.didYouMean(entry.key, among: ["steps"]),
                             hint: "a repeat has 'repeat: N' and 'steps:'")
            }
        }
        var count: Int?
        if let text = reader.requiredText(repeatEntry.value, what: "the repeat count") {
            count = take(Values.wholeNumber(text, key: "repeat count", range: 1...Self.maxRepeatCount), at: repeatEntry.value)
        }
        guard depth < Self.maxRepeatDepth else {
            reader.error(repeatEntry.keyLocation, "repeats are nested more than \(Self.maxRepeatDepth) deep")
            return nil
        }
        guard let stepsEntry = entries.first(where: { $0.key == "steps" }) else {
            reader.error(repeatEntry.keyLocation, "repeat needs 'steps:', the steps to repeat",
                         hint: "put 'steps:' under 'repeat', indented the same, with the steps listed below it")
            return nil
        }
        let items = steps(stepsEntry.value, owner: stepsEntry.keyLocation, depth: depth + 1, what: "the repeat's 'steps'")
        guard ok, let count, let items else { return nil }
        return .repeat(count: count, items: items, location: repeatEntry.keyLocation)
    }

    // MARK: - One technique

    private func stepItem(_ technique: Technique, key: Node, value: Node?, heat: Entry?) -> PatternItem? {
        let location = YAMLDocument.location(key.mark)
        var parameters = StepParameters()
        var given = Set<String>()
        var ok = true
        let errorsBefore = reader.errorCount

        if let value, !NodeReader.isNull(value) {
            switch value {
            case .mapping:
                guard let entries = reader.entries(of: value, expected: "a mapping of parameters") else { return nil }
                let accepted = Self.ordered(TechniqueDefaults.accepted(technique))
                for entry in entries {
                    guard accepted.contains(entry.key) else {
                        reader.error(entry.keyLocation,
                                     "unknown parameter '\(entry.key)' for \(technique.rawValue)" + Suggestions.didYouMean(entry.key, among: accepted),
                                     hint: "\(technique.rawValue) takes " + accepted.joined(separator: ", "))
                        ok = false
                        continue
                    }
                    given.insert(entry.key)
                    parameter(entry.key, entry.value, into: &parameters)
                }
            case .scalar:
                if let scalarKey = TechniqueDefaults.scalarKey(technique) {
                    given.insert(scalarKey)
                    parameter(scalarKey, value, into: &parameters)
                } else {
                    reader.error(value, "\(technique.rawValue) takes a mapping of parameters, not a single value",
                                 hint: "for example '\(technique.rawValue): \(Self.example(technique))'")
                    ok = false
                }
            default:
                reader.error(value, "\(technique.rawValue) takes a mapping of parameters, not \(NodeReader.kindName(value))",
                             hint: "for example '\(technique.rawValue): \(Self.example(technique))'")
                ok = false
            }
        }
        if let heat {
            if given.contains("heat") {
                reader.error(heat.keyLocation, "heat is given twice for this step (beside and inside '\(technique.rawValue)')")
                ok = false
            } else {
                parameter("heat", heat.value, into: &parameters)
            }
        }
        for missing in Self.ordered(TechniqueDefaults.required(technique)) where !given.contains(missing) {
            reader.error(location, "\(technique.rawValue) needs '\(missing)'" + Self.requiredExplanation(missing),
                         hint: "for example '\(technique.rawValue): \(Self.example(technique))'")
            ok = false
        }
        guard ok, reader.errorCount == errorsBefore else { return nil }
        return .step(Step(technique: technique, parameters: parameters, location: location))
    }

    private func parameter(_ key: String, _ node: Node, into p: inout StepParameters) {
        switch key {
        case "zone", "from", "to", "at":
            let target = reader.target(node, key: key)
            switch key {
            case "zone": p.zone = target
            case "from": p.from = target
            case "to": p.to = target
            default: p.at = target
            }
            return
        default:
            break
        }
        guard let text = reader.requiredText(node, what: key) else { return }
        switch key {
        case "duration": p.duration = take(Values.duration(text, key: key), at: node)
        case "stroke": p.stroke = take(Values.duration(text, key: key), at: node)
        case "circle": p.circle = take(Values.duration(text, key: key), at: node)
        case "hold": p.hold = take(Values.duration(text, key: key), at: node)
        case "breaks": p.breaks = take(Values.duration(text, key: key, allowZero: true), at: node)
        case "after": p.after = take(Values.duration(text, key: key, allowZero: true), at: node)
        case "intensity": p.intensity = take(Values.level(text, key: key), at: node)
        case "heat": p.heat = take(Values.level(text, key: key), at: node)
        case "pressure": p.pressure = take(Values.pressure(text, key: key), at: node)
        case "strokes": p.strokes = take(Values.wholeNumber(text, key: key, range: 1...Self.maxStrokes), at: node)
        case "rate": p.rate = take(Values.rate(text, key: key), at: node)
        case "file": p.script = ScriptLoader(reader: reader, baseDirectory: baseDirectory).load(text, at: node)
        default: reader.error(node, "internal: no reader for parameter '\(key)'")
        }
    }

    private func take<T>(_ result: Result<T, ValueProblem>, at node: Node) -> T? {
        switch result {
        case let .success(value): return value
        case let .failure(problem):
            reader.error(node, problem.message, hint: problem.hint)
            return nil
        }
    }

    private func reportUnknownTechnique(_ name: String, at location: SourceLocation) {
        let candidates = Technique.patternTechniques.map(\.rawValue) + ["repeat"]
        if let instead = Suggestions.instead(of: name) {
            reader.error(location, "unknown technique '\(name)'",
                         hint: instead + "; techniques: " + Self.techniqueList)
            return
        }
        let suggestion = { Suggestions.didYouMean(name, among: candidates) }
        reader.error(location, "unknown technique '\(name)'" + suggestion(),
                     hint: suggestion().isEmpty ? "techniques: " + Self.techniqueList : nil)
    }

    // MARK: - Names and examples

    static func technique(named name: String) -> Technique? {
        guard let technique = Technique(rawValue: name), technique != .travel else { return nil }
        return technique
    }

    static let techniqueList = Technique.patternTechniques.map(\.rawValue).joined(separator: ", ")

    /// The order parameters are listed in, in messages and docs.
    static let parameterOrder = ["file", "zone", "from", "to", "at", "duration", "strokes", "stroke", "hold", "after",
                                 "circle", "breaks", "rate", "intensity", "pressure", "heat"]

    static func ordered(_ keys: Set<String>) -> [String] {
        parameterOrder.filter(keys.contains) + keys.subtracting(parameterOrder).sorted()
    }

    static func requiredExplanation(_ key: String) -> String {
        switch key {
        case "at": return ", the point to hold"
        case "file": return ", the script to play (a funscript, .ahap or .haptic file)"
        default: return ""
        }
    }

    static func example(_ technique: Technique) -> String {
        switch technique {
        case .warmUp: return "{duration: 90s, intensity: 20%}"
        case .effleurage: return "{from: lower-ribs, to: neck-base, strokes: 6}"
        case .petrissage: return "{zone: rhomboids, duration: 2min}"
        case .friction: return "{zone: rhomboids-left, duration: 2min}"
        case .triggerPoint: return "{at: upper-trapezius-left, hold: 20s}"
        case .tapping: return "{zone: upper-trapezius, rate: 6Hz, duration: 30s}"
        case .deepTissue: return "{zone: rhomboids, strokes: 4}"
        case .myofascial: return "{zone: upper-trapezius, duration: 3min}"
        case .shiatsu: return "{zone: paraspinal, rate: 0.5Hz, duration: 2min}"
        case .vibration: return "{zone: upper-trapezius, duration: 1min}"
        case .rest: return "5s"
        case .script: return "wave.funscript"
        case .travel: return ""
        }
    }
}
