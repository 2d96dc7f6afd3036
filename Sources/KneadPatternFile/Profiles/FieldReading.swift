import KneadCore
import Yams

/// Reading the flat `key: value` mappings of profile files.
extension NodeReader {
    /// The mapping's entries by key, after reporting unknown keys (with suggestions) and
    /// missing required ones (at the mapping, or at `owner` for an empty one).
    func fields(_ node: Node, what: String, known: [String], required: [String] = [],
                owner: SourceLocation? = nil) -> [String: Entry]? {
        guard let entries = entries(of: node, expected: what) else { return nil }
        let kept = unknownKeys(entries, known: known, describe: { "unknown key '\($0)'" },
                               hint: "known keys here: " + known.joined(separator: ", "))
        let byKey = Dictionary(kept.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        for key in required where byKey[key] == nil {
            error(owner ?? YAMLDocument.location(node.mark), "missing '\(key)'")
        }
        return byKey
    }

    func value<T>(_ entry: Entry?, _ parse: (String, String) -> Result<T, ValueProblem>) -> T? {
        guard let entry, let text = requiredText(entry.value, what: entry.key) else { return nil }
        switch parse(text, entry.key) {
        case let .success(value): return value
        case let .failure(problem):
            error(entry.value, problem.message, hint: problem.hint)
            return nil
        }
    }

    func bool(_ entry: Entry?) -> Bool? {
        value(entry) { text, key in
            switch text {
            case "true": return .success(true)
            case "false": return .success(false)
            default: return .failure(ValueProblem("\(key) must be true or false (got '\(text)')"))
            }
        }
    }

    func text(_ entry: Entry?) -> String? {
        value(entry) { text, _ in .success(text) }
    }

    /// One of `choices`, with a suggestion when it is not.
    func choice(_ entry: Entry?, among choices: [String]) -> String? {
        value(entry) { text, key in
            choices.contains(text) ? .success(text)
                : .failure(ValueProblem("unknown \(key) '\(text)'" + Suggestions.didYouMean(text, among: choices),
                                        hint: "\(key) is one of " + choices.joined(separator: ", ")))
        }
    }
}
