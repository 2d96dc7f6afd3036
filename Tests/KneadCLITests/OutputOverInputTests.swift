import Foundation
import Testing

/// An output path that names the pattern being read (directly, through a symlink or
/// `./`) is refused before anything is written: the pattern survives.
@Suite("output over the input")
struct OutputOverInputTests {
    @Test(arguments: [["play", "PATTERN", "--trace", "LINK"], ["render", "PATTERN", "--output", "DOTTED"],
                      ["play", "PATTERN", "--trace", "PATTERN"]])
    func refusedAndThePatternSurvives(template: [String]) throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let pattern = folder.appendingPathComponent("mine.yaml")
        let original = try String(contentsOfFile: Paths.pattern("desk-reset.yaml"), encoding: .utf8)
        try original.write(to: pattern, atomically: true, encoding: .utf8)
        let link = folder.appendingPathComponent("link.yaml")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: pattern)
        let arguments = template.map {
            switch $0 {
            case "PATTERN": return pattern.path
            case "LINK": return link.path
            case "DOTTED": return folder.path + "/./mine.yaml"
            default: return $0
            }
        }
        let run = try runKnead(arguments, in: folder)
        #expect(run.status == 64)
        #expect(run.stderr.contains("is the pattern file itself"), "\(run.stderr)")
        #expect(try String(contentsOf: pattern, encoding: .utf8) == original)
    }
}
