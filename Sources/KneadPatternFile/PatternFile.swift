import Foundation
import KneadCore
import Yams

/// How a pattern file is checked.
public struct PatternFileOptions: Sendable {
    /// `--strict`: warnings count as errors.
    public var strict: Bool
    /// The device and body the pattern is compiled for (the session-length warning
    /// uses the compiled length, travel included).
    public var device: DeviceProfile
    public var body: BodyProfile

    public init(strict: Bool = false, device: DeviceProfile = .chair, body: BodyProfile = .default) {
        self.strict = strict
        self.device = device
        self.body = body
    }
}

/// What reading one pattern file gave: the pattern and its compiled timeline when the
/// file is valid, and every diagnostic, errors and warnings, in file order.
public struct PatternFileResult: Sendable {
    /// The file as named by the caller, used in rendered diagnostics.
    public var file: String
    /// Set only when there are no errors (with `strict`, no warnings either).
    public var pattern: Pattern?
    /// The pattern compiled for the options' device and body, when valid.
    public var timeline: Timeline?
    /// Sorted by position; a file that could not be read has one, without a position.
    public var diagnostics: [Diagnostic]
    /// Set when the file could not be read at all (missing, unreadable, too large):
    /// the command line exits 66 for these and 65 for any other error.
    public var fileProblem: FileProblem?

    public var hasErrors: Bool { fileProblem != nil || diagnostics.hasErrors }
    public var errors: [Diagnostic] { diagnostics.filter(\.isError) }
    public var warnings: [Diagnostic] { diagnostics.filter { !$0.isError } }

    /// Every diagnostic as `FILE:LINE:COL: error: message` lines (hints on their own
    /// `  hint: …` line), each ending in a newline; empty when there is nothing to say.
    public func rendered() -> String { diagnostics.rendered(file: file) }
}

/// Pattern files (YAML, or JSON, which is YAML) to the `Pattern` model. The format is
/// documented in docs/patterns.md.
public enum PatternFile {
    /// Reads and checks the file at `path`. `script:` paths are resolved from its folder.
    public static func load(path: String, options: PatternFileOptions = .init()) -> PatternFileResult {
        switch DocumentInput.read(path: path) {
        case let .failure(problem):
            return failed(path, problem)
        case let .success(data):
            let directory = (path as NSString).deletingLastPathComponent
            return parse(data: data, fileName: path, baseDirectory: directory.isEmpty ? nil : directory, options: options)
        }
    }

    /// Checks the bytes of a pattern file (any bytes: binary junk gives an error, not a crash).
    public static func parse(data: Data, fileName: String, baseDirectory: String? = nil,
                             options: PatternFileOptions = .init()) -> PatternFileResult {
        check(DocumentInput.root(data: data, emptyHint: emptyHint), fileName: fileName,
              baseDirectory: baseDirectory, options: options)
    }

    /// Checks the text of a pattern file. `baseDirectory` is where `script:` paths are
    /// resolved from (nil: the current directory).
    public static func parse(text: String, fileName: String, baseDirectory: String? = nil,
                             options: PatternFileOptions = .init()) -> PatternFileResult {
        check(DocumentInput.root(text: text, emptyHint: emptyHint), fileName: fileName,
              baseDirectory: baseDirectory, options: options)
    }

    static let emptyHint = "a pattern needs at least 'pattern: <name>' and 'steps:' with one step, e.g. '  - rest: 5s'"

    private static func failed(_ file: String, _ problem: FileProblem) -> PatternFileResult {
        PatternFileResult(file: file, pattern: nil, timeline: nil,
                          diagnostics: [.error(at: .unknown, problem.description(kind: "pattern file"))], fileProblem: problem)
    }

    private static func check(_ input: DocumentInput.Outcome, fileName: String, baseDirectory: String?,
                              options: PatternFileOptions) -> PatternFileResult {
        var result = PatternFileResult(file: fileName, pattern: nil, timeline: nil, diagnostics: [], fileProblem: nil)
        let root: Node
        switch input {
        case let .fileProblem(problem): return failed(fileName, problem)
        case let .invalid(diagnostic):
            result.diagnostics = [diagnostic]
            return result
        case let .root(node):
            root = node
        }

        let reader = NodeReader()
        let pattern = PatternParser(reader: reader, baseDirectory: baseDirectory).parse(root: root)
        var diagnostics = reader.diagnostics
        if let pattern, !diagnostics.hasErrors {
            do {
                let timeline = try Compiler.compile(pattern, device: options.device, body: options.body)
                diagnostics += PatternWarnings.check(pattern, sessionDuration: timeline.duration, stepTable: timeline.steps)
                if !pattern.shallowRhythmAccepted {
                    diagnostics += RhythmWarnings.check(timeline, device: options.device)
                }
                result.timeline = timeline
            } catch {
                diagnostics.append(.error(at: error.location, error.message))
            }
        }
        if options.strict { diagnostics = diagnostics.promotingWarnings() }
        result.diagnostics = diagnostics.sortedByPosition()
        if !result.diagnostics.hasErrors {
            result.pattern = pattern
        } else {
            result.timeline = nil
        }
        return result
    }
}
