import Foundation
import Testing

/// `preview --watch` and `render --watch`, run as a designer would: the real binary
/// without a terminal, the pattern saved in place, saved by rename (as vim and most IDEs
/// do), saved broken, and Ctrl-C. Every wait is on an event (a line, a file's content).
@Suite("--watch", .serialized)
struct WatchTests {
    static let first = """
        pattern: Watched
        steps:
          - warm-up: {duration: 30s, intensity: 30%}
        """
    static let second = """
        pattern: Watched
        steps:
          - warm-up: {duration: 75s, intensity: 40%}
        """
    static let third = """
        pattern: Watched
        steps:
          - warm-up: {duration: 45s, intensity: 20%}
          - rest: 5s
        """
    static let broken = """
        pattern: Watched
        steps:
          - warmup: {duration: 45s}
        """

    /// Writes in place: truncate and write the same inode (IN_CLOSE_WRITE).
    private func saveInPlace(_ text: String, _ path: String) throws {
        try Data((text + "\n").utf8).write(to: URL(fileURLWithPath: path))
    }

    /// Writes a temporary file and renames it over `path`: the pattern gets a new inode.
    private func saveByRename(_ text: String, _ path: String) throws {
        let temporary = path + ".swp-\(UUID().uuidString)"
        try Data((text + "\n").utf8).write(to: URL(fileURLWithPath: temporary))
        #expect(rename(temporary, path) == 0)
    }

    private func count(_ text: String, in output: String) -> Int {
        output.components(separatedBy: text).count - 1
    }

    @Test func previewRedrawsOnEverySaveKeepsRunningOnErrorsAndExits130() throws {
        let folder = try temporaryFolder()
        let path = try PlayFixtures.write(Self.first, named: "watched.yaml", in: folder)
        let knead = try KneadProcess(["preview", "--watch", "watched.yaml", "--width", "60"], in: folder)

        #expect(knead.waitFor(seconds: 20) { knead.stdoutSoFar.contains("1     0:02     1:00  warm-up") })
        #expect(!knead.stdoutSoFar.contains("── redraw"))

        try saveInPlace(Self.second, path)
        #expect(knead.waitFor(seconds: 20) { knead.stdoutSoFar.contains("0:02     2:30  warm-up") })
        #expect(knead.stdoutSoFar.contains("── redraw 2 · watched.yaml · "))

        try saveByRename(Self.third, path)
        #expect(knead.waitFor(seconds: 20) { knead.stdoutSoFar.contains("0:02     1:30  warm-up") })
        #expect(knead.stdoutSoFar.contains("── redraw 3 · "))

        // A second save by rename: the watch did not stay on the replaced inode.
        try saveByRename(Self.second, path)
        #expect(knead.waitFor(seconds: 20) { knead.stdoutSoFar.contains("── redraw 4 · ") })

        try saveInPlace(Self.broken, path)
        #expect(knead.waitFor(seconds: 20) {
            knead.stdoutSoFar.contains("watched.yaml:3:5: error: unknown technique 'warmup' (did you mean 'warm-up'?)")
        })
        #expect(knead.stdoutSoFar.contains("(the last good picture is above)"))
        #expect(knead.process.isRunning)

        // Fixed again: drawn again.
        try saveByRename(Self.first, path)
        #expect(knead.waitFor(seconds: 20) { count("0:02     1:00  warm-up", in: knead.stdoutSoFar) == 2 })

        knead.signal(SIGINT)
        let run = knead.finish()
        #expect(run.status == 130)
        #expect(count("── redraw", in: run.stdout) == 5)  // one line per save, not per inotify event
    }

    @Test func previewRedrawsWhenAScriptFileItPlaysIsSaved() throws {
        let folder = try temporaryFolder()
        _ = try PlayFixtures.write("""
            pattern: Buzz
            steps:
              - script: {file: buzz.ahap, zone: rhomboids-left}
            """, named: "buzz.yaml", in: folder)
        func ahap(_ seconds: Int) -> String {
            #"{"Pattern": [{"Event": {"Time": 0, "EventType": "HapticContinuous", "EventDuration": \#(seconds)}}]}"#
        }
        let script = try PlayFixtures.write(ahap(20), named: "buzz.ahap", in: folder)
        let knead = try KneadProcess(["preview", "--watch", "buzz.yaml", "--width", "60", "--device", "handheld"],
                                     in: folder)
        #expect(knead.waitFor(seconds: 20) { knead.stdoutSoFar.contains("0:20  script") })
        try saveByRename(ahap(40), script)
        #expect(knead.waitFor(seconds: 20) { knead.stdoutSoFar.contains("0:40  script") })
        try saveInPlace(#"{"Pattern": [{"Event": {"Time": -1, "EventType": "HapticTransient"}}]}"#, script)
        #expect(knead.waitFor(seconds: 20) {
            knead.stdoutSoFar.contains("script 'buzz.ahap': buzz.ahap:1:33: Pattern[0].Event.Time -1 is outside 0–86400")
        })
        knead.signal(SIGINT)
        let run = knead.finish()
        #expect(run.status == 130)
        #expect(run.stdout.contains("(the last good picture is above)"))
    }

    /// `| head` has read what it wanted: the watch ends (74) instead of waiting for ever.
    @Test func previewWatchEndsWhenItsReaderGoesAway() throws {
        let folder = try temporaryFolder()
        _ = try PlayFixtures.write(Self.first, named: "watched.yaml", in: folder)
        let run = try runKneadInShell(#"{ "$KNEAD" preview --watch watched.yaml --width 60; echo "status $?" >&2; } | head -1"#,
                                      in: folder)
        #expect(run.stdout == "Watched  1:06 · 1 steps · device chair\n")
        // Usually the picture is in the pipe before head quits, and the watch sees the
        // reader go; should head quit first, the write itself fails. 74 either way.
        #expect(run.stderr.contains("knead: error: cannot write to standard output: "))
        #expect(run.stderr.hasSuffix("status 74\n"))
    }

    @Test func previewWatchOfAMissingFileExits66() throws {
        let folder = try temporaryFolder()
        let run = try KneadProcess(["preview", "--watch", "nothing.yaml"], in: folder).finish()
        #expect(run.status == 66)
        #expect(run.stderr.contains("nothing.yaml: error: no such file"))
    }

    @Test func previewWatchStartsOnABrokenFileAndDrawsOnceFixed() throws {
        let folder = try temporaryFolder()
        let path = try PlayFixtures.write(Self.broken, named: "watched.yaml", in: folder)
        let knead = try KneadProcess(["preview", "--watch", "watched.yaml", "--width", "60"], in: folder)
        #expect(knead.waitFor(seconds: 20) { knead.stdoutSoFar.contains("error: unknown technique 'warmup'") })
        #expect(!knead.stdoutSoFar.contains("last good picture"))
        try saveByRename(Self.third, path)
        #expect(knead.waitFor(seconds: 20) { knead.stdoutSoFar.contains("0:02     1:30  warm-up") })
        knead.signal(SIGTERM)
        #expect(knead.finish().status == 143)
    }

    @Test func renderRewritesItsSVGOnEverySave() throws {
        let folder = try temporaryFolder()
        let path = try PlayFixtures.write(Self.first, named: "watched.yaml", in: folder)
        let svg = folder.appendingPathComponent("watched.svg")
        let knead = try KneadProcess(["render", "--watch", "watched.yaml", "--output", "watched.svg"], in: folder)
        func picture() -> String { (try? String(contentsOf: svg, encoding: .utf8)) ?? "" }
        func renders() -> Int { count("knead: rendered watched.yaml to watched.svg at ", in: knead.stderrSoFar) }

        #expect(knead.waitFor(seconds: 20) { renders() == 1 })
        let firstPicture = picture()
        #expect(firstPicture.hasPrefix("<svg") || firstPicture.hasPrefix("<?xml"))
        #expect(firstPicture.hasSuffix("</svg>\n") || firstPicture.hasSuffix("</svg>"))

        try saveByRename(Self.second, path)
        #expect(knead.waitFor(seconds: 20) { renders() == 2 })
        let secondPicture = picture()
        #expect(secondPicture != firstPicture)

        try saveInPlace(Self.third, path)
        #expect(knead.waitFor(seconds: 20) { renders() == 3 })
        let thirdPicture = picture()
        #expect(thirdPicture != secondPicture)

        try saveInPlace(Self.broken, path)
        #expect(knead.waitFor(seconds: 20) {
            knead.stderrSoFar.contains("knead: watched.svg not rewritten: watched.yaml has errors")
        })
        #expect(knead.stderrSoFar.contains("watched.yaml:3:5: error: unknown technique 'warmup'"))
        #expect(picture() == thirdPicture)  // the last good picture stays
        #expect(knead.process.isRunning)

        knead.signal(SIGINT)
        let run = knead.finish()
        #expect(run.status == 130)
        // Written by rename: no temporary file left next to it.
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        #expect(!names.contains { $0.hasSuffix(".tmp") })
    }

    @Test func renderRefusesWatchWithoutAnSVGFile() throws {
        let folder = try temporaryFolder()
        _ = try PlayFixtures.write(Self.first, named: "watched.yaml", in: folder)
        let toStandardOutput = try runKnead(["render", "--watch", "--format", "svg", "watched.yaml"], in: folder)
        #expect(toStandardOutput.status == 64)
        #expect(toStandardOutput.stderr.contains("--watch rewrites a file on every save: give one with --output"))
        let csv = try runKnead(["render", "--watch", "watched.yaml", "--output", "frames.csv"], in: folder)
        #expect(csv.status == 64)
        #expect(csv.stderr.contains("--watch renders a picture: use it with --format svg"))
    }
}
