import Foundation
import KneadCore
import KneadPatternFile
import Testing

/// Where things are when the tests run.
enum Paths {
    /// The package root, found from this source file.
    static let repository: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func pattern(_ name: String) -> String {
        repository.appendingPathComponent("Patterns").appendingPathComponent(name).path
    }

    /// The golden files in the source tree (written there by KNEAD_UPDATE_GOLDEN=1).
    static let goldenSource = repository.appendingPathComponent("Tests/KneadCLITests/Golden")

    /// The golden files as copied into the test bundle.
    static func golden(_ name: String) -> URL? {
        Bundle.module.resourceURL?.appendingPathComponent("Golden").appendingPathComponent(name)
    }

    /// The `knead` executable built next to the test bundle, in the build products
    /// folder (`swift test` builds every product of the package first).
    static let knead: URL? = {
        var candidates: [URL] = []
        #if os(Linux)
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            candidates.append(URL(fileURLWithPath: exe).deletingLastPathComponent())
        }
        #endif
        var folder = Bundle.module.bundleURL.deletingLastPathComponent()
        for _ in 0..<4 {
            candidates.append(folder)
            folder.deleteLastPathComponent()
        }
        return candidates.map { $0.appendingPathComponent("knead") }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }()
}

/// What running a process gave.
struct ProcessResult {
    var status: Int32
    var stdout: String
    var stderr: String
    var stdoutData: Data
}

/// Runs the built `knead` with `arguments` in `directory`, with NO_COLOR and COLUMNS
/// unset unless `environment` sets them.
func runKnead(_ arguments: [String], in directory: URL = Paths.repository,
              environment: [String: String] = [:], executable: URL? = nil) throws -> ProcessResult {
    let executable = try executable ?? #require(Paths.knead, "the knead executable was not found next to the test bundle; run 'swift build' first")
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.currentDirectoryURL = directory
    var env = ProcessInfo.processInfo.environment
    env.removeValue(forKey: "NO_COLOR")
    env.removeValue(forKey: "COLUMNS")
    env.merge(environment) { $1 }
    process.environment = env
    // Standard error goes to a file and standard output through a pipe read to the end,
    // so a large output cannot block the child.
    let errorFile = FileManager.default.temporaryDirectory.appendingPathComponent("knead-stderr-\(UUID().uuidString)")
    _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
    defer { try? FileManager.default.removeItem(at: errorFile) }
    let errorHandle = try FileHandle(forWritingTo: errorFile)
    let output = Pipe()
    process.standardOutput = output
    process.standardError = errorHandle
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let outData = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    try errorHandle.close()
    let errData = try Data(contentsOf: errorFile)
    return ProcessResult(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                         stderr: String(decoding: errData, as: UTF8.self), stdoutData: outData)
}

/// A fresh folder for files a test writes.
func temporaryFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("knead-cli-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Renders a shipped pattern to CSV in this process, the way `knead render` does:
/// compiled for the device, through a fresh safety envelope, at `rate`.
func renderCSV(pattern name: String, device: DeviceProfile, rate: Double) throws -> (csv: String, timeline: Timeline) {
    let result = PatternFile.load(path: Paths.pattern(name), options: PatternFileOptions(device: device))
    #expect(result.diagnostics.isEmpty, "\(result.rendered())")
    let pattern = try #require(result.pattern)
    let timeline = try #require(result.timeline)
    let limits = SafetyLimits.resolve(device: device, pattern: pattern.limits)
    let sink = MemorySink()
    let writer = CSVFrameWriter(sink: sink, timeDecimals: ExportFormat.timeDecimals(forRate: rate),
                                percussion: device.percussion != nil)
    for safe in timeline.frames(rate: rate).safe(through: SafetyEnvelope(limits: limits), period: 1 / rate) {
        try writer.write(safe.frame)
    }
    try writer.finish()
    return (sink.text, timeline)
}

/// Runs `script` with /bin/sh in `directory`, with `$KNEAD` the built executable: for
/// what Process cannot set up, such as standard output on /dev/full or an argument
/// with bytes that are not UTF-8.
func runKneadInShell(_ script: String, in directory: URL = Paths.repository) throws -> ProcessResult {
    let executable = try #require(Paths.knead, "the knead executable was not found next to the test bundle; run 'swift build' first")
    return try runKnead(["-c", script], in: directory, environment: ["KNEAD": executable.path],
                        executable: URL(fileURLWithPath: "/bin/sh"))
}
