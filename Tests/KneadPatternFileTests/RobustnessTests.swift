import Foundation
import KneadCore
import Testing
@testable import KneadPatternFile

/// Hostile and broken input: never a crash, never a hang, always an error that says where.
@Suite("Robustness against hostile input")
struct RobustnessTests {
    static let laughs = """
        a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
        b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
        c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
        d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
        e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
        f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
        g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
        h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
        i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]

        """

    @Test(.timeLimit(.minutes(1))) func billionLaughs() {
        let result = PatternFile.parse(text: Self.laughs + "pattern: lol\nsteps: *i\n", fileName: "bomb.yaml")
        #expect(result.headlines == ["bomb.yaml:7:8: error: aliases expand this file to more than 1000000 YAML nodes (an alias bomb?)"])
    }

    /// Yams hashes mapping keys while it composes: an alias bomb used as a key would hang
    /// it before any of knead's own checks ran, so the expansion is counted first.
    @Test(.timeLimit(.minutes(1))) func billionLaughsAsAKey() {
        let result = PatternFile.parse(text: Self.laughs + "? *i\n: x\n", fileName: "keys.yaml")
        #expect(result.headlines == ["keys.yaml:7:8: error: aliases expand this file to more than 1000000 YAML nodes (an alias bomb?)"])
    }

    @Test func undefinedAlias() {
        let result = PatternFile.parse(text: "pattern: x\nsteps: *nothing\n", fileName: "u.yaml")
        #expect(result.headlines == ["u.yaml:2:8: error: invalid YAML: found undefined alias"])
    }

    @Test(.timeLimit(.minutes(1))) func deepYAMLNesting() {
        let text = "pattern: x\nsteps: " + String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000) + "\n"
        let result = PatternFile.parse(text: text, fileName: "deep.yaml")
        #expect(result.headlines == ["deep.yaml:2:9: error: invalid YAML: nested too deep (more than 1000 levels)"])
    }

    private func nestedRepeats(_ depth: Int, count: Int, leaf: String = "- rest: 5s") -> String {
        var text = "pattern: nest\nsteps:\n"
        var indent = "  "
        for _ in 0..<depth {
            text += indent + "- repeat: \(count)\n" + indent + "  steps:\n"
            indent += "    "
        }
        return text + indent + leaf + "\n"
    }

    @Test func repeatNestingDepthIsCapped() {
        let within = PatternFile.parse(text: nestedRepeats(16, count: 1), fileName: "ok.yaml")
        #expect(within.errors == [])
        let result = PatternFile.parse(text: nestedRepeats(17, count: 1), fileName: "nest.yaml")
        #expect(result.headlines == ["nest.yaml:35:69: error: repeats are nested more than 16 deep"])
    }

    @Test(.timeLimit(.minutes(1))) func repeatBombIsRejectedBeforeCompiling() {
        let result = PatternFile.parse(text: nestedRepeats(6, count: 1000), fileName: "bomb.yaml")
        // Reported at the innermost repeat that goes over: the 5th (a million steps).
        #expect(result.headlines == [
            "bomb.yaml:11:21: error: this repeat expands to 1000000 steps, more than the 10000 a pattern may have",
        ])
        #expect(result.timeline == nil)
    }

    @Test func sessionLengthIsCapped() {
        let result = PatternFile.parse(text: nestedRepeats(1, count: 100, leaf: "- rest: 20min"), fileName: "long.yaml")
        #expect(result.headlines == ["long.yaml:3:5: error: this repeat lasts 33 h 20 min, longer than the 24 h a pattern may last"])
        let flat = "pattern: long\nsteps:\n" + String(repeating: "  - rest: 1000min\n", count: 2)
        #expect(PatternFile.parse(text: flat, fileName: "flat.yaml").headlines == [
            "flat.yaml:2:1: error: the pattern lasts 33 h 20 min, longer than the 24 h a pattern may last",
        ])
    }

    @Test func aFileWrongEverywhereGetsAReadableReport() {
        let text = "pattern: x\nsteps: [" + String(repeating: "r,", count: 300) + "r]\n"
        let result = PatternFile.parse(text: text, fileName: "many.yaml")
        #expect(result.errors.count == 201)
        #expect(result.headlines.first == "many.yaml:2:9: error: unknown technique 'r'")
        #expect(result.headlines.last == "many.yaml:2:409: error: too many errors: stopped listing them after 200")
    }

    @Test func tooLargeIsAFileProblem() {
        let text = "pattern: x\nsteps:\n" + String(repeating: "  - rest: 5s\n", count: 90_000)
        let result = PatternFile.parse(text: text, fileName: "big.yaml")
        #expect(result.fileProblem == .tooLarge(limit: 1 << 20))
        #expect(result.rendered() == "big.yaml: error: the file is larger than 1 MiB, too large for this kind of file\n")
    }

    @Test func tooLargeFileOnDiskIsNotReadWhole() throws {
        let path = NSTemporaryDirectory() + "knead-big-\(UUID().uuidString).yaml"
        try Data(count: 3 << 20).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = PatternFile.load(path: path)
        #expect(result.fileProblem == .tooLarge(limit: 1 << 20))
    }

    @Test func missingFile() {
        let result = PatternFile.load(path: "/nonexistent/knead/pattern.yaml")
        #expect(result.fileProblem == .missing)
        #expect(result.hasErrors)
        #expect(result.rendered() == "/nonexistent/knead/pattern.yaml: error: no such file\n")
    }

    @Test func aFolderIsNotAPatternOrAProfile() {
        let result = PatternFile.load(path: Fixture.directory)
        #expect(result.fileProblem == .folder)
        #expect(result.headlines == ["\(Fixture.directory): error: it is a folder, not a pattern file"])
        let profile = DeviceProfileFile.resolve(Fixture.directory)
        #expect(profile.fileProblem == .folder)
        #expect(profile.rendered() == "\(Fixture.directory): error: it is a folder, not a profile file\n")
    }

    @Test func aSymbolicLinkLoopIsNotAMissingFile() throws {
        let folder = NSTemporaryDirectory() + "knead-loop-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createSymbolicLink(atPath: folder + "/loop.yaml", withDestinationPath: "loop.yaml")
        let result = PatternFile.load(path: folder + "/loop.yaml")
        #expect(result.fileProblem == .unreadable("a symbolic link loop"))
        #expect(result.rendered() == "\(folder)/loop.yaml: error: cannot read the file: a symbolic link loop\n")
    }

    /// What a name with a byte that is not UTF-8 arrives as: the byte replaced by U+FFFD.
    @Test func aNameThatWasNotUTF8IsNotAMissingFile() {
        let result = PatternFile.load(path: "bad\u{FFFD}name.yaml")
        #expect(result.fileProblem == .unreadable("the file name is not valid UTF-8; rename the file"))
    }

    @Test func standardInputIsRefusedWithTheFix() {
        let result = PatternFile.load(path: "-")
        #expect(result.fileProblem == .standardInput)
        #expect(result.rendered() == "-: error: reading a pattern from standard input is not supported; give a file path\n")
    }

    @Test(.timeLimit(.minutes(2))) func randomBytesAlwaysGiveAnError() {
        var random = SplitMix64(seed: 0x6B6E_6561_64)
        for _ in 0..<400 {
            let count = Int.random(in: 1...600, using: &random)
            let bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &random) }
            let result = PatternFile.parse(data: Data(bytes), fileName: "junk.bin")
            #expect(result.hasErrors)
            #expect(result.pattern == nil)
            #expect(result.errors.allSatisfy { $0.location.line >= 1 && $0.location.column >= 1 })
        }
    }

    /// Cut the example anywhere: never a crash; cut inside a `{…}` it is always an error.
    @Test(.timeLimit(.minutes(2))) func truncatedFiles() {
        let bytes = [UInt8](Fixture.data("desk-reset.yaml"))
        var depth = 0
        for cut in 0..<bytes.count {
            let result = PatternFile.parse(data: Data(bytes[..<cut]), fileName: "cut.yaml")
            #expect(result.hasErrors == (result.pattern == nil))
            if depth > 0 { #expect(result.hasErrors, "cut at byte \(cut)") }
            if bytes[cut] == UInt8(ascii: "{") { depth += 1 }
            if bytes[cut] == UInt8(ascii: "}") { depth -= 1 }
        }
    }

    /// Random edits of a valid file and random token soup: the parser answers, and a
    /// pattern comes back exactly when there is no error.
    @Test(.timeLimit(.minutes(2))) func mutationsAndTokenSoup() {
        var random = SplitMix64(seed: 42)
        let original = [UInt8](Fixture.data("desk-reset.yaml"))
        let tokens = ["pattern: x\n", "steps:\n", "  - ", "    ", "{", "}", "[", "]", ", ", ": ", "repeat: 1000\n",
                      "&a ", "*a", "<<: ", "rest", "8s", "40%", "6Hz", "zone: ", "spine", "\n", "-", "\"", "'", "#",
                      "? ", "!!str ", "1e309", ".nan", "~", "steps: *a\n", "petrissage: ", "{x: 0.5, y: 2}"]
        for _ in 0..<300 {
            var bytes = original
            for _ in 0..<Int.random(in: 1...8, using: &random) {
                bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
            }
            let mutated = PatternFile.parse(data: Data(bytes), fileName: "m.yaml")
            #expect(mutated.hasErrors == (mutated.pattern == nil))

            let soup = (0..<Int.random(in: 1...60, using: &random)).map { _ in tokens.randomElement(using: &random)! }.joined()
            let result = PatternFile.parse(text: soup, fileName: "soup.yaml")
            #expect(result.hasErrors == (result.pattern == nil))
        }
    }
}
