import Foundation
import KneadCore
import Testing
@testable import KneadPatternFile

/// docs/patterns.md and docs/profiles.md stay true to the code they describe.
@Suite("Reference documentation")
struct DocumentationTests {
    private func read(_ path: String) throws -> String {
        try String(contentsOfFile: SourceTree.root + "/" + path, encoding: .utf8)
    }

    @Test func everyTechniqueAndParameterIsDocumented() throws {
        let doc = try read("docs/patterns.md")
        for technique in Technique.patternTechniques {
            let heading = "### \(technique.rawValue)\n"
            let start = try #require(doc.range(of: heading), "no section for \(technique.rawValue)")
            let rest = doc[start.upperBound...]
            let section = rest[..<(rest.range(of: "\n### ")?.lowerBound ?? rest.endIndex)]
            for key in TechniqueDefaults.accepted(technique).subtracting(TechniqueDefaults.commonKeys) {
                #expect(section.contains("`\(key)`"), "\(technique.rawValue): parameter \(key) is not in its table")
            }
        }
    }

    @Test func everyZoneIsDocumented() throws {
        let doc = try read("docs/patterns.md")
        for zone in Zone.allCases {
            #expect(doc.contains("| `\(zone.rawValue)` |"), "zone \(zone.rawValue) is not in the zones table")
        }
    }

    /// The built-ins are shown in full in docs/profiles.md: the same text as the files
    /// below their header comment.
    @Test(arguments: ["chair", "handheld"]) func builtInProfilesAreShownAsShipped(name: String) throws {
        let file = try read("Profiles/\(name).yaml")
        let body = file.split(separator: "\n", omittingEmptySubsequences: false)
            .drop { $0.hasPrefix("#") }.joined(separator: "\n")
        #expect(try read("docs/profiles.md").contains("```yaml\n" + body + "```"))
    }
}
