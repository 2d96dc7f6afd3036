import KneadCore

/// One problem found in a file: where, how bad, what, and what to do about it.
///
/// Rendered as `FILE:LINE:COL: error: message` (or `warning:`). A hint, when there is
/// one, goes on the following line as `  hint: …`, so the first line always has the
/// same shape for editors and scripts that parse it. Suggestions of the
/// "did you mean" kind are part of the message itself.
public struct Diagnostic: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Severity: String, Sendable, Comparable {
        case warning, error
        public static func < (a: Severity, b: Severity) -> Bool {
            a == .warning && b == .error
        }
    }

    public var severity: Severity
    /// 1-based line and column (columns count Unicode scalars, as libyaml does).
    /// `SourceLocation.unknown` (0:0) for problems with the file as a whole.
    public var location: SourceLocation
    public var message: String
    public var hint: String?

    public init(_ severity: Severity, at location: SourceLocation, _ message: String, hint: String? = nil) {
        self.severity = severity
        self.location = location
        self.message = message
        self.hint = hint
    }

    public static func error(at location: SourceLocation, _ message: String, hint: String? = nil) -> Diagnostic {
        Diagnostic(.error, at: location, message, hint: hint)
    }

    public static func warning(at location: SourceLocation, _ message: String, hint: String? = nil) -> Diagnostic {
        Diagnostic(.warning, at: location, message, hint: hint)
    }

    public var isError: Bool { severity == .error }

    /// The first line alone: `FILE:LINE:COL: error: message` (`FILE: error: message`
    /// when the problem has no position, such as a file that cannot be read).
    public func headline(file: String) -> String {
        let place = location == .unknown ? file : "\(file):\(location.line):\(location.column)"
        return "\(place): \(severity.rawValue): \(message)"
    }

    /// The full rendering: the headline, then `  hint: …` on its own line if there is a hint.
    public func rendered(file: String) -> String {
        guard let hint, !hint.isEmpty else { return headline(file: file) }
        return headline(file: file) + "\n  hint: " + hint
    }

    public var description: String { rendered(file: "<input>") }
}

extension Array where Element == Diagnostic {
    /// In file order; at the same position errors before warnings, then by message,
    /// so the output is the same on every run.
    public func sortedByPosition() -> [Diagnostic] {
        sorted { a, b in
            if a.location != b.location { return a.location < b.location }
            if a.severity != b.severity { return a.severity > b.severity }
            return a.message < b.message
        }
    }

    public var hasErrors: Bool { contains { $0.isError } }

    /// Every diagnostic rendered, one after another, each ending in a newline.
    public func rendered(file: String) -> String {
        map { $0.rendered(file: file) + "\n" }.joined()
    }

    /// `--strict`: every warning becomes an error (with the same position, message and hint).
    public func promotingWarnings() -> [Diagnostic] {
        map { var d = $0; d.severity = .error; return d }
    }
}
