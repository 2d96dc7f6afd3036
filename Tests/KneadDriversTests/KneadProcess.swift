import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The `knead` executable built next to this test bundle (`swift test` builds every
/// product first).
enum KneadBinary {
    static let path: String? = {
        var folders: [URL] = []
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            var folder = URL(fileURLWithPath: exe).deletingLastPathComponent()
            for _ in 0..<4 {
                folders.append(folder)
                folder.deleteLastPathComponent()
            }
        }
        return folders.map { $0.appendingPathComponent("knead").path }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }()
}

/// A `knead` run in a child process: its environment is set at start, so an
/// LD_PRELOAD shim applies to it (and not to the tests).
final class KneadRun: @unchecked Sendable {
    let process = Process()
    private let output = Pipe()
    private let errors = Pipe()
    private(set) var stdout = ""
    private(set) var stderr = ""

    /// Runs `knead arguments` (after `wrapper`, e.g. umockdev-run … --), or with
    /// `executable`, `wrapper` as that program's whole command line.
    init(_ arguments: [String], environment extra: [String: String] = [:], wrapper: [String] = [],
         directory: String? = nil, executable: String? = nil) throws {
        guard let knead = executable == nil ? KneadBinary.path : "" else { throw KneadRunError.noBinary }
        var environment = ProcessInfo.processInfo.environment
        environment["NO_COLOR"] = "1"
        environment.removeValue(forKey: "KNEAD_SERIAL_TRANSPORT")
        for (key, value) in extra { environment[key] = value }
        if let executable {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = Array(wrapper.dropFirst()) + arguments
        } else if let first = wrapper.first {
            process.executableURL = URL(fileURLWithPath: first)
            process.arguments = Array(wrapper.dropFirst()) + [knead] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: knead)
            process.arguments = arguments
        }
        process.environment = environment
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    /// Waits for the exit (killing the process after `timeout` seconds) and collects output.
    @discardableResult
    func wait(timeout: Double = 30) -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        let outputData = DataBox(), errorData = DataBox()
        let readers = DispatchGroup()
        for (pipe, sink) in [(output, outputData), (errors, errorData)] {
            readers.enter()
            DispatchQueue.global().async {
                sink.set(pipe.fileHandleForReading.readDataToEndOfFile())
                readers.leave()
            }
        }
        while process.isRunning, Date() < deadline { usleep(2_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        readers.wait()
        stdout = String(decoding: outputData.get(), as: UTF8.self)
        stderr = String(decoding: errorData.get(), as: UTF8.self)
        return process.terminationStatus
    }
}

private final class DataBox: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    func set(_ value: Data) { lock.withLock { data = value } }
    func get() -> Data { lock.withLock { data } }
}

enum KneadRunError: Error {
    case noBinary
    case cannotBuildShim(String)
}

/// A pattern short enough for a test to play to the end (about 6 s with ramps and travel).
func writeTinyPattern(in folder: TemporaryFolder) throws -> String {
    let path = folder.file("tiny.yaml")
    try "pattern: Driver test\nsteps:\n  - vibration: {zone: rhomboids, duration: 1s, intensity: 40%}\n"
        .write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

/// Tests/Support/tiocm-shim.c compiled into `folder` with the system C compiler.
func buildTIOCMShim(in folder: TemporaryFolder) throws -> String {
    let library = folder.file("tiocm-shim.so")
    try compileShim(SourceTree.root + "/Tests/Support/tiocm-shim.c", to: library)
    return library
}

/// A C file compiled into a shared library for LD_PRELOAD.
func compileShim(_ source: String, to library: String) throws {
    let compiler = Process()
    compiler.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    compiler.arguments = ["cc", "-shared", "-fPIC", "-O2", "-o", library, source, "-ldl"]
    let errors = Pipe()
    compiler.standardError = errors
    try compiler.run()
    compiler.waitUntilExit()
    guard compiler.terminationStatus == 0 else {
        throw KneadRunError.cannotBuildShim(String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
    }
}

/// A path libserialport accepts for a pty: a symlink outside /dev, named so that
/// `/sys/class/tty/` + the part after `/dev/` leads back to the symlink itself
/// (libserialport looks the name up there): `/dev/../../../tmp/…/port`.
func libserialportPath(linkingTo target: String, in folder: TemporaryFolder) throws -> String {
    let link = folder.file("port")
    try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
    return "/dev/../../.." + link
}
