import Foundation
import KneadCore
@testable import KneadPatternFile

/// Fixture files (Tests/KneadPatternFileTests/Fixtures) and helpers shared by the tests.
enum Fixture {
    static let directory: String = {
        guard let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
            fatalError("the Fixtures resource folder is missing from the test bundle")
        }
        return url.path
    }()

    static func path(_ name: String) -> String { directory + "/" + name }

    static func data(_ name: String) -> Data {
        guard let data = FileManager.default.contents(atPath: path(name)) else { fatalError("no fixture \(name)") }
        return data
    }

    /// Parses a fixture as the command line would, naming it by its file name only so the
    /// rendered lines read `name.yaml:LINE:COL: …`.
    static func check(_ name: String, options: PatternFileOptions = .init()) -> PatternFileResult {
        PatternFile.parse(data: data(name), fileName: name, baseDirectory: directory, options: options)
    }
}

/// The source tree's root, for the shipped files (Profiles/, docs/).
enum SourceTree {
    static let root: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
}

extension PatternFileResult {
    /// The first line of each diagnostic, as printed.
    var headlines: [String] { diagnostics.map { $0.headline(file: file) } }
}

func at(_ line: Int, _ column: Int) -> SourceLocation { SourceLocation(line: line, column: column) }

/// The same pattern with every source location cleared, to compare the model read from
/// two differently laid-out files (YAML and JSON).
func withoutLocations(_ pattern: Pattern) -> Pattern {
    func strip(_ items: [PatternItem]) -> [PatternItem] {
        items.map { item in
            switch item {
            case var .step(step):
                step.location = .unknown
                return .step(step)
            case let .repeat(count, inner, _):
                return .repeat(count: count, items: strip(inner), location: .unknown)
            }
        }
    }
    var copy = pattern
    copy.location = .unknown
    copy.items = strip(pattern.items)
    return copy
}


extension PatternFileResult {
    /// What a parsing test cares about: not the "session lasts … shorter than the 10
    /// minutes" warning every few-step test pattern gets (PatternWarnings.shortestSession),
    /// nor a rhythm the chair cannot follow (RhythmWarningTests has those).
    var diagnosticsBesideLengthAndRhythm: [Diagnostic] {
        diagnostics.filter { !$0.message.hasPrefix("the session lasts") && !$0.message.contains(" depth on ") }
    }
}
