import Foundation
import KneadCore
import Yams

/// File or bytes or text to a root node: the steps every kind of file shares.
enum DocumentInput {
    enum Outcome {
        case root(Node)
        /// Could not read at all: exit 66 territory.
        case fileProblem(FileProblem)
        /// Read, but not a YAML document: one located diagnostic.
        case invalid(Diagnostic)
    }

    static func read(path: String) -> Result<Data, FileProblem> {
        FileInput.read(path: path, limit: FileInput.textFileLimit)
    }

    static func root(data: Data, emptyHint: String) -> Outcome {
        guard data.count <= FileInput.textFileLimit else { return .fileProblem(.tooLarge(limit: FileInput.textFileLimit)) }
        switch SourceText.decode(data) {
        case let .failure(diagnostic): return .invalid(withHint(diagnostic, emptyHint))
        case let .success(text): return root(text: text, emptyHint: emptyHint)
        }
    }

    static func root(text: String, emptyHint: String) -> Outcome {
        guard text.utf8.count <= FileInput.textFileLimit else { return .fileProblem(.tooLarge(limit: FileInput.textFileLimit)) }
        if let problem = SourceText.unprintable(in: text) { return .invalid(problem) }
        switch YAMLDocument.compose(text) {
        case let .failure(diagnostic): return .invalid(diagnostic)
        case .success(nil): return .invalid(withHint(.error(at: SourceLocation(line: 1, column: 1), emptyMessage), emptyHint))
        case let .success(node?): return .root(node)
        }
    }

    static let emptyMessage = "the file is empty"

    private static func withHint(_ diagnostic: Diagnostic, _ hint: String) -> Diagnostic {
        guard diagnostic.message == emptyMessage else { return diagnostic }
        var d = diagnostic
        d.hint = hint
        return d
    }
}
