import Foundation
import KneadCore
import Yams

/// What reading a device or body profile file gave: the profile when valid, and every
/// diagnostic, in file order.
public struct ProfileFileResult<Profile: Sendable>: Sendable {
    /// The file as named by the caller (or the profile name, for a built-in).
    public var file: String
    public var profile: Profile?
    public var diagnostics: [Diagnostic]
    /// Set when the file could not be read at all, or the name is neither a built-in, a
    /// shipped profile nor a file: the command line exits 66 for these.
    public var fileProblem: FileProblem?

    public var hasErrors: Bool { fileProblem != nil || diagnostics.hasErrors }

    /// Every diagnostic as `FILE:LINE:COL: error: message` lines, each ending in a newline.
    public func rendered() -> String { diagnostics.rendered(file: file) }

    static func failed(_ file: String, _ problem: FileProblem, message: String? = nil, hint: String? = nil) -> Self {
        ProfileFileResult(file: file, profile: nil,
                          diagnostics: [.error(at: .unknown, message ?? problem.description(kind: "profile file"), hint: hint)], fileProblem: problem)
    }

    static func from(_ input: DocumentInput.Outcome, file: String,
                     parse: (Node, NodeReader) -> Profile?) -> Self {
        switch input {
        case let .fileProblem(problem):
            return failed(file, problem)
        case let .invalid(diagnostic):
            return ProfileFileResult(file: file, profile: nil, diagnostics: [diagnostic], fileProblem: nil)
        case let .root(root):
            let reader = NodeReader()
            let profile = parse(root, reader)
            let diagnostics = reader.diagnostics.sortedByPosition()
            return ProfileFileResult(file: file, profile: diagnostics.hasErrors ? nil : profile,
                                     diagnostics: diagnostics, fileProblem: nil)
        }
    }
}
