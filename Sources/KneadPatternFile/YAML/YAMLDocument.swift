import KneadCore
import Yams

/// Text to a YAML node tree, with every failure as a located diagnostic.
///
/// Yams replaces each alias (`*name`) by the node its anchor (`&name`) marks. That
/// is cheap to build (nodes are shared), but anything that walks the result pays for
/// every copy, and Yams itself hashes mapping keys while composing: ten anchors of
/// ten aliases each (a "billion laughs") would hang it. So before the real parse, a
/// file with anchors is parsed once with its aliases turned into plain placeholders,
/// and the size the document would expand to is counted on that alias-free tree. Only
/// files that stay under the budget are composed for real.
enum YAMLDocument {
    /// Most nodes a document may expand to through aliases: far above any pattern
    /// (a long pattern has a few thousand), far below what takes noticeable time.
    static let expansionBudget = 1_000_000

    /// The root node, `nil` for a document with no content (only comments or blank).
    static func compose(_ text: String) -> Result<Node?, Diagnostic> {
        if let bomb = aliasExpansionProblem(in: text) { return .failure(bomb) }
        do {
            return .success(try Yams.compose(yaml: text))
        } catch let error as YamlError {
            return .failure(diagnostic(for: error, in: text))
        } catch {
            return .failure(.error(at: SourceLocation(line: 1, column: 1), "cannot parse the file as YAML: \(error)"))
        }
    }

    static func location(_ mark: Mark?) -> SourceLocation {
        guard let mark else { return .unknown }
        return SourceLocation(line: mark.line, column: mark.column)
    }

    // MARK: - Yams errors

    static func diagnostic(for error: YamlError, in text: String) -> Diagnostic {
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _),
             let .composer(context, problem, mark, _):
            if problem.contains("found another document") {
                return .error(at: location(mark), "the file holds more than one YAML document (a second '---')",
                              hint: "a file holds one pattern; put the other in a file of its own")
            }
            if problem.contains("Maximum nesting level") {
                return .error(at: location(mark), "invalid YAML: nested too deep (more than 1000 levels)")
            }
            var message = "invalid YAML: \(problem)"
            if let context, !context.text.isEmpty {
                let at = location(context.mark)
                message += " (\(context.text) at line \(at.line), column \(at.column))"
            }
            return .error(at: location(mark), message, hint: hint(forProblemAt: mark, problem: problem, in: text))
        case let .reader(problem, offset, _, _):
            let at = offset.map { SourceText.location(ofCharacter: $0, in: text) } ?? SourceLocation(line: 1, column: 1)
            return .error(at: at, "invalid YAML: \(problem)")
        case let .duplicatedKeysInMapping(duplicates, context):
            let names = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            let plural = duplicates.count == 1 ? "key \(names) is" : "keys \(names) are"
            return .error(at: location(context.mark), "\(plural) given more than once in the same mapping",
                          hint: "a key may appear once per mapping; remove or rename the repeated one")
        case .memory:
            return .error(at: SourceLocation(line: 1, column: 1), "the YAML parser ran out of memory")
        default:
            return .error(at: SourceLocation(line: 1, column: 1), "invalid YAML: \(error)")
        }
    }

    private static func hint(forProblemAt mark: Mark, problem: String, in text: String) -> String? {
        let line = text.split(separator: "\n", omittingEmptySubsequences: false)
            .dropFirst(max(0, mark.line - 1)).first.map(String.init) ?? ""
        if problem.contains("tab") || (problem.contains("cannot start any token") && line.unicodeScalars.contains("\t")) {
            return "YAML indents with spaces, not tabs"
        }
        if problem.contains("mapping values are not allowed") {
            return "a value containing ': ' must be quoted, or a key is indented wrongly"
        }
        if problem.contains("could not find expected ':'") {
            return "a key needs ':' after it, and a value containing '#', '[' or '{' must be quoted"
        }
        return nil
    }

    // MARK: - Alias expansion

    /// libyaml accepts only these characters in anchor and alias names.
    private static func isAnchorCharacter(_ s: Unicode.Scalar) -> Bool {
        switch s {
        case "0"..."9", "a"..."z", "A"..."Z", "_", "-": return true
        default: return false
        }
    }

    private static let aliasPlaceholder: Unicode.Scalar = "\u{E000}"

    static func aliasExpansionProblem(in text: String) -> Diagnostic? {
        guard text.unicodeScalars.contains("&"), text.unicodeScalars.contains("*") else { return nil }
        // Every `*name` becomes a plain scalar `<U+E000>name` of the same width in columns.
        // Over-matching (a `*` inside a quoted string or a comment) only changes text of
        // this throw-away copy; missing a real alias is what must never happen, hence no
        // attempt to track quotes.
        var probe = String.UnicodeScalarView()
        var scalars = text.unicodeScalars.makeIterator()
        var pending = scalars.next()
        while let scalar = pending {
            let next = scalars.next()
            if scalar == "*", let next, isAnchorCharacter(next) {
                probe.append(aliasPlaceholder)
            } else {
                probe.append(scalar)
            }
            pending = next
        }
        // The parser owns the anchors (nodes hold them weakly): keep it alive while walking.
        guard let parser = try? Parser(yaml: String(probe)), let root = try? parser.singleRoot() else {
            return nil  // the real parse reports the syntax error
        }
        return withExtendedLifetime(parser) {
            var counter = ExpansionCounter(budget: expansionBudget)
            _ = counter.size(of: root)
            guard let at = counter.exceededAt else { return nil }
            return .error(at: at, "aliases expand this file to more than \(expansionBudget) YAML nodes (an alias bomb?)",
                          hint: "use anchors (&name) and aliases (*name) for small repeated values only")
        }
    }

    private struct ExpansionCounter {
        let budget: Int
        var anchorSizes: [String: Int] = [:]
        var total = 0
        var exceededAt: SourceLocation?

        /// The expanded size of `node`, saturated just above the budget so nothing overflows.
        mutating func size(of node: Node) -> Int {
            guard exceededAt == nil else { return budget + 1 }
            var size = 1
            switch node {
            case let .scalar(scalar):
                if scalar.style == .plain, scalar.string.unicodeScalars.first == aliasPlaceholder {
                    let name = String(String.UnicodeScalarView(scalar.string.unicodeScalars.dropFirst()))
                    size = anchorSizes[name] ?? 1
                }
                count(size, at: node)
            case let .mapping(mapping):
                count(1, at: node)
                for (key, value) in mapping {
                    size = min(budget + 1, size + self.size(of: key) + self.size(of: value))
                }
            case let .sequence(sequence):
                count(1, at: node)
                for element in sequence {
                    size = min(budget + 1, size + self.size(of: element))
                }
            case .alias:
                count(1, at: node)
            }
            if let anchor = node.anchor { anchorSizes[anchor.rawValue] = size }
            return size
        }

        private mutating func count(_ nodes: Int, at node: Node) {
            total = min(budget + 1, total + nodes)
            if total > budget, exceededAt == nil { exceededAt = YAMLDocument.location(node.mark) }
        }
    }
}
