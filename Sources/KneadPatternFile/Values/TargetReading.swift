import KneadCore
import Yams

extension NodeReader {
    /// A zone name (`rhomboids`, `upper-trapezius-left`) or a point `{x: 0.4, y: 0.6}`.
    func target(_ node: Node, key: String) -> Target? {
        guard visit(node) else { return nil }
        switch Self.value(node) {
        case let .text(name):
            return zone(named: name, at: node, key: key)
        case .null:
            error(node, "\(key) is empty", hint: Self.targetHint)
            return nil
        case .notScalar:
            break
        }
        guard case .mapping = node else {
            error(node, "\(key) must be a zone name or a point {x: 0.4, y: 0.6}, found \(Self.kindName(node))",
                  hint: Self.targetHint)
            return nil
        }
        return point(node, key: key)
    }

    static let targetHint = "zones: " + Zone.allCases.map(\.rawValue).joined(separator: ", ")
        + "; add -left or -right for one side, or give a point {x: 0.4, y: 0.6}"

    private func zone(named name: String, at node: Node, key: String) -> Target? {
        if let target = Target(name: name) { return target }
        if name == "spine-left" || name == "spine-right" {
            error(node, "the spine has no sides: write 'spine'",
                  hint: "for the lines beside the spine use paraspinal-left or paraspinal-right")
            return nil
        }
        let suggestion = Suggestions.didYouMean(name, among: Target.allNames)
        error(node, "unknown zone '\(name)'" + suggestion, hint: suggestion.isEmpty ? Self.targetHint : nil)
        return nil
    }

    private func point(_ node: Node, key: String) -> Target? {
        guard let entries = entries(of: node, expected: "a point {x: 0.4, y: 0.6}") else { return nil }
        let known = unknownKeys(entries, known: ["x", "y"], describe: { "unknown key '\($0)' in a point" },
                                hint: "a point is {x: 0.4, y: 0.6}: x 0 (left edge) … 0.5 (spine) … 1 (right edge), "
                                    + "y 0 (lower ribs) … 1 (base of the neck)")
        var x: Double?, y: Double?
        for entry in known {
            guard let text = requiredText(entry.value, what: "\(key).\(entry.key)") else { continue }
            switch Values.plainNumber(text, key: "\(key).\(entry.key)", range: 0...1) {
            case let .success(value): if entry.key == "x" { x = value } else { y = value }
            case let .failure(problem): error(entry.value, problem.message, hint: problem.hint)
            }
        }
        let missing = ["x", "y"].filter { name in !entries.contains { $0.key == name } }
        if !missing.isEmpty {
            error(node, "the point needs " + missing.map { "'\($0)'" }.joined(separator: " and "),
                  hint: "a point is {x: 0.4, y: 0.6} in back coordinates from 0 to 1")
        }
        guard let x, let y else { return nil }
        return .point(BackPoint(x: x, y: y))
    }
}
