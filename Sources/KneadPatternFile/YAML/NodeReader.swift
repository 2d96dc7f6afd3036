import KneadCore
import Yams

/// One `key: value` of a mapping, with the key's text.
struct Entry {
    var key: String
    var keyNode: Node
    var value: Node
    var keyLocation: SourceLocation { YAMLDocument.location(keyNode.mark) }
    var valueLocation: SourceLocation { YAMLDocument.location(value.mark) }
}

/// Walks a node tree for one file: collects every diagnostic instead of stopping at
/// the first, and counts the nodes it visits so that no input, however it was built,
/// can make a walk take unbounded time.
final class NodeReader {
    /// A hand-written file has a few thousand nodes; this is a backstop behind the
    /// alias expansion check, not a limit anyone should meet.
    static let visitBudget = 500_000

    /// After this many errors the rest are counted but not listed: a file that is
    /// wrong everywhere (a list of a million misspelt steps) gets a readable report.
    static let errorLimit = 200

    private(set) var diagnostics: [Diagnostic] = []
    /// Every error found, listed or not.
    private(set) var errorCount = 0
    private var visited = 0
    private(set) var budgetExceeded = false

    /// Message and hint are built only for errors that are listed.
    func error(_ location: SourceLocation, _ message: @autoclosure () -> String,
               hint: @autoclosure () -> String? = nil) {
        errorCount += 1
        if errorCount <= Self.errorLimit {
            diagnostics.append(.error(at: location, message(), hint: hint()))
        } else if errorCount == Self.errorLimit + 1 {
            diagnostics.append(.error(at: location, "too many errors: stopped listing them after \(Self.errorLimit)",
                                      hint: "fix the ones above first"))
        }
    }

    func error(_ node: Node, _ message: @autoclosure () -> String, hint: @autoclosure () -> String? = nil) {
        error(YAMLDocument.location(node.mark), message(), hint: hint())
    }

    /// Counts a visit; false (with one error) once the budget is spent.
    func visit(_ node: Node) -> Bool {
        visited += 1
        guard visited <= Self.visitBudget else {
            if !budgetExceeded {
                budgetExceeded = true
                errorCount += 1  // listed even past the error limit: it explains why reading stopped
                diagnostics.append(.error(at: YAMLDocument.location(node.mark),
                                          "the file has more than \(Self.visitBudget) YAML nodes; stopped reading here"))
            }
            return false
        }
        return true
    }

    // MARK: - Shapes

    enum Value {
        case notScalar
        /// `~`, `null`, or nothing at all after the colon.
        case null
        case text(String)
    }

    static func value(_ node: Node) -> Value {
        guard case let .scalar(scalar) = node else { return .notScalar }
        if scalar.style == .plain, ["", "~", "null", "Null", "NULL"].contains(scalar.string) { return .null }
        return .text(scalar.string)
    }

    static func isNull(_ node: Node) -> Bool {
        if case .null = value(node) { return true }
        return false
    }

    static func kindName(_ node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar: return isNull(node) ? "empty" : "a single value"
        }
    }

    /// The entries of a mapping in file order, or nil (after reporting) if `node` is not
    /// one. Keys must be plain values. `<<: *anchor` merges the anchored mapping's entries
    /// (YAML's merge key), keys written out in the mapping winning over merged ones.
    func entries(of node: Node, expected: @autoclosure () -> String) -> [Entry]? {
        guard visit(node) else { return nil }
        guard case let .mapping(mapping) = node else {
            error(node, "expected \(expected()), found \(Self.kindName(node))")
            return nil
        }
        var result: [Entry] = []
        var merged: [Entry] = []
        for (key, value) in mapping {
            guard visit(key) else { return nil }
            guard case let .text(name) = Self.value(key) else {
                error(key, "a key must be a plain name, not \(Self.kindName(key))")
                continue
            }
            if name == "<<", case .scalar = key {
                merged.append(contentsOf: mergeEntries(value))
                continue
            }
            result.append(Entry(key: name, keyNode: key, value: value))
        }
        let written = Set(result.map(\.key))
        return result + merged.filter { !written.contains($0.key) }
    }

    private func mergeEntries(_ value: Node) -> [Entry] {
        switch value {
        case .mapping:
            return entries(of: value, expected: "a mapping to merge with '<<'") ?? []
        case let .sequence(sequence):
            var seen = Set<String>()
            var result: [Entry] = []
            for element in sequence {
                for entry in entries(of: element, expected: "a mapping to merge with '<<'") ?? [] where !seen.contains(entry.key) {
                    seen.insert(entry.key)
                    result.append(entry)
                }
            }
            return result
        default:
            error(value, "'<<' merges a mapping (usually an alias such as *gentle), found \(Self.kindName(value))")
            return []
        }
    }

    /// The elements of a list, or nil (after reporting) if `node` is not one.
    func elements(of node: Node, expected: @autoclosure () -> String) -> [Node]? {
        guard visit(node) else { return nil }
        guard case let .sequence(sequence) = node else {
            error(node, "expected \(expected()), found \(Self.kindName(node))")
            return nil
        }
        return Array(sequence)
    }

    /// The text of a scalar that must be present; nil (after reporting) otherwise.
    func requiredText(_ node: Node, what: String) -> String? {
        guard visit(node) else { return nil }
        switch Self.value(node) {
        case .notScalar:
            error(node, "\(what) must be a single value, found \(Self.kindName(node))")
            return nil
        case .null:
            error(node, "\(what) is empty")
            return nil
        case let .text(text):
            return text
        }
    }

    /// Reports each key not in `known` with a suggestion; returns the known ones.
    func unknownKeys(_ entries: [Entry], known: [String], describe: (String) -> String,
                     hint: String? = nil) -> [Entry] {
        var kept: [Entry] = []
        for entry in entries {
            if known.contains(entry.key) { kept.append(entry); continue }
            error(entry.keyLocation, describe(entry.key) + Suggestions.didYouMean(entry.key, among: known), hint: hint)
        }
        return kept
    }
}
