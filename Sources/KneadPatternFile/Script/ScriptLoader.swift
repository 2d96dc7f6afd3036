import Foundation
import KneadCore
import Yams

/// Loads the file a `script:` step names, reporting problems at the step's `file`
/// value in the pattern (a problem inside an AHAP or `.haptic` file also names its own
/// line and column there):
/// - a funscript: positions, and intensity from its `.vib.funscript` companion if any;
/// - an AHAP (`.ahap`) or Meta Haptics Studio (`.haptic`) file: an intensity curve,
///   played with the head held at the middle of the zone's line (they have no positions).
struct ScriptLoader {
    let reader: NodeReader
    let baseDirectory: String?

    /// The kinds of file a script step plays, by extension.
    enum Kind {
        case funscript, ahap, haptic

        init(path: String) {
            let lower = path.lowercased()
            if lower.hasSuffix(".ahap") { self = .ahap } else if lower.hasSuffix(".haptic") { self = .haptic } else { self = .funscript }
        }
    }

    /// Where the head stays for a file that has no positions: the middle of the line.
    static let heldPosition = 0.5

    func load(_ path: String, at node: Node) -> ScriptTrack? {
        let resolved = resolve(path)
        let kind = Kind(path: path)
        if kind != .funscript {
            let read = kind == .ahap ? AHAP.read(path: resolved, name: path) : HapticStudio.read(path: resolved, name: path)
            switch read {
            case let .success(curve):
                return ScriptTrack(path: path, points: [.init(time: 0, position: Self.heldPosition)], intensity: curve)
            case let .failure(problems):
                report(problems, path: path, at: node)
                return nil
            }
        }
        let points: [ScriptTrack.Point]
        switch Funscript.read(path: resolved) {
        case let .success(read):
            points = read
        case let .failure(problems):
            report(problems, path: path, at: node)
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

    private func report(_ problems: Funscript.Problems, path: String, at node: Node) {
        for message in problems.messages {
            reader.error(node, "script '\(path)': \(message)",
                         hint: message == FileProblem.missing.description
                             ? "a script's path is relative to the pattern file's folder" : nil)
        }
    }

    private func resolve(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        guard let baseDirectory, !baseDirectory.isEmpty else { return path }
        return baseDirectory.hasSuffix("/") ? baseDirectory + path : baseDirectory + "/" + path
    }
}
