import Foundation
import KneadCore
import Yams

/// Loads the funscript a `script:` step names, and its `.vib.funscript` companion,
/// reporting problems at the step's `file` value in the pattern.
struct ScriptLoader {
    let reader: NodeReader
    let baseDirectory: String?

    func load(_ path: String, at node: Node) -> ScriptTrack? {
        let resolved = resolve(path)
        let points: [ScriptTrack.Point]
        switch Funscript.read(path: resolved) {
        case let .success(read):
            points = read
        case let .failure(problems):
            for message in problems.messages {
                reader.error(node, "script '\(path)': \(message)",
                             hint: message == FileProblem.missing.description
                                 ? "a script's path is relative to the pattern file's folder" : nil)
            }
            return nil
        }
        var intensity: [ScriptTrack.Point]?
        if let companion = Funscript.vibrationCompanion(of: path),
           FileManager.default.fileExists(atPath: resolve(companion)) {
            switch Funscript.read(path: resolve(companion)) {
            case let .success(read):
                intensity = read
            case let .failure(problems):
                for message in problems.messages { reader.error(node, "script '\(companion)': \(message)") }
                return nil
            }
        }
        return ScriptTrack(path: path, points: points, intensity: intensity)
    }

    private func resolve(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        guard let baseDirectory, !baseDirectory.isEmpty else { return path }
        return baseDirectory.hasSuffix("/") ? baseDirectory + path : baseDirectory + "/" + path
    }
}
