import Foundation
import Testing

/// `knead play` run as a person would. One at a time: each test runs the real
/// binary, which plays on its own real-time thread, and they must not crowd each other.
@Suite("knead play", .serialized)
enum PlayTests {}

/// A finished (or killed) run of the `knead` binary (`Paths.knead`, in TestSupport.swift).
struct KneadRun {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// A running `knead` process with its output going to files (no pipe to fill up).
final class KneadProcess {
    let process = Process()
    let directory: URL
    private let stdoutURL: URL
    private let stderrURL: URL

    /// Runs `knead arguments`; with `wrapper` (e.g. usb-mock and its options, ending in
    /// `--`), runs the wrapper with the knead binary and `arguments` after it.
    init(_ arguments: [String], in directory: URL, environment: [String: String] = [:],
         wrapper: [String] = []) throws {
        self.directory = directory
        stdoutURL = directory.appendingPathComponent("stdout-\(UUID().uuidString)")
        stderrURL = directory.appendingPathComponent("stderr-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        guard let binary = Paths.knead else { throw MissingBinary() }
        if let first = wrapper.first {
            process.executableURL = URL(fileURLWithPath: first)
            process.arguments = Array(wrapper.dropFirst()) + [binary.path] + arguments
        } else {
            process.executableURL = binary
            process.arguments = arguments
        }
        process.currentDirectoryURL = directory
        var env = ProcessInfo.processInfo.environment
        env["NO_COLOR"] = "1"
        for (key, value) in environment { env[key] = value }
        process.environment = env
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: stdoutURL)
        process.standardError = try FileHandle(forWritingTo: stderrURL)
        try process.run()
    }

    var stdoutSoFar: String { (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? "" }
    var stderrSoFar: String { (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "" }

    /// Waits until `condition` holds, polling; false if `seconds` passed first.
    func waitFor(seconds: Double, _ condition: () -> Bool) -> Bool {
        // An ended process will not make the condition come true: stop waiting then.
        _ = waitUntil(seconds: seconds) { condition() || !process.isRunning }
        return condition()
    }

    func signal(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }

    /// Waits for the process to end; kills it (and fails the test) if it takes longer
    /// than `seconds`, so a hang cannot stall the suite.
    func finish(within seconds: Double = 20) -> KneadRun {
        let ended = waitFor(seconds: seconds) { !process.isRunning }
        if !ended {
            Issue.record("knead did not end within \(seconds) s; killing it")
            kill(process.processIdentifier, SIGKILL)
        }
        process.waitUntilExit()
        return KneadRun(status: process.terminationStatus, stdout: stdoutSoFar, stderr: stderrSoFar)
    }
}

/// Thrown (failing the test) when the binary is not where the build puts it.
struct MissingBinary: Error, CustomStringConvertible {
    var description: String {
        "the knead executable was not found in the build products directory next to the test bundle; "
            + "build it first: swift build --build-tests"
    }
}

/// Plays to the end (or fails the test after `seconds` and kills it).
func playKnead(_ arguments: [String], in directory: URL, within seconds: Double = 20) throws -> KneadRun {
    try KneadProcess(arguments, in: directory).finish(within: seconds)
}

/// Pattern files for the play tests, written out in the scratch directory.
enum PlayFixtures {
    /// 22 s in all (travel included): about a second at --time-scale 20.
    static let short = """
        pattern: Short test
        description: A short pattern for the play tests.
        steps:
          - warm-up: {duration: 3s, intensity: 30%}   # per side
          - petrissage: {zone: rhomboids-left, duration: 8s, circle: 1.5s, intensity: 50%}
          - rest: 2s
        """

    /// Three minutes: still playing when the tests interrupt it.
    static let long = """
        pattern: Long test
        steps:
          - warm-up: {duration: 30s, intensity: 30%}   # per side: a minute in all
          - petrissage: {zone: rhomboids, duration: 1min, intensity: 50%}
        """

    /// Three seconds at the rest position (no travel): 40 % asked from the first frame.
    static let brief = """
        pattern: Brief test
        steps:
          - vibration: {zone: {x: 0.5, y: 0.5}, duration: 1.5s, intensity: 40%}
        """

    /// Misspelled technique, on line 3 column 5.
    static let invalid = """
        pattern: Bad
        steps:
          - efleurage: {strokes: 2}
        """

    static func write(_ text: String, named name: String, in directory: URL) throws -> String {
        let url = directory.appendingPathComponent(name)
        try (text + "\n").write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }
}

/// The summary `knead play --json` prints: one JSON object on stdout.
func parseSummary(_ stdout: String) throws -> [String: Any] {
    let trimmed = stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    #expect(!trimmed.contains("\n"), "--json prints exactly one line on stdout, got: \(trimmed)")
    let object = try JSONSerialization.jsonObject(with: Data(trimmed.utf8))
    return try #require(object as? [String: Any], "the summary is a JSON object: \(trimmed)")
}

/// The simulator trace (csv) as rows of named columns.
struct Trace {
    var header: [String]
    var rows: [[String]]

    init(path: String) throws {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        header = lines.first.map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) } ?? []
        rows = lines.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    }

    func value(_ column: String, in row: [String]) -> String? {
        guard let index = header.firstIndex(of: column), index < row.count else { return nil }
        return row[index]
    }
}
