import Foundation
import Glibc
import Testing

extension PlayTests {
    /// Keys are read whenever standard input is a terminal, also when standard output is
    /// a pipe or TERM is dumb (no live view): a person piping the summary into a file
    /// still has q and space.
    @Suite("keys without the live view")
    struct KeysWithoutView {
        @Test("stdin a terminal, stdout a pipe: q stops with exit 130, cause q, the terminal put back")
        func quitWithOutputPiped() throws {
            let directory = try temporaryFolder()
            defer { try? FileManager.default.removeItem(at: directory) }
            let pattern = try PlayFixtures.write(PlayFixtures.long, named: "pattern.yaml", in: directory)
            let terminal = try PseudoTerminal(columns: 100, rows: 30)
            let binary = try #require(Paths.knead)
            let process = Process()
            process.executableURL = binary
            process.arguments = ["play", pattern, "--time-scale", "20", "--json"]
            process.currentDirectoryURL = directory
            process.standardInput = FileHandle(fileDescriptor: terminal.replica, closeOnDealloc: false)
            let output = Pipe(), errors = Pipe()
            process.standardOutput = output
            process.standardError = errors
            let collected = CollectedOutput(errors.fileHandleForReading)
            try process.run()
            // Key mode is on once echo is off on the terminal; then progress is under way.
            let keyMode = waitUntil(seconds: 10) {
                var modes = termios()
                return tcgetattr(terminal.replica, &modes) == 0 && modes.c_lflag & tcflag_t(ECHO) == 0
                    && collected.text.contains("knead: ")
            }
            #expect(keyMode, "never entered key mode: \(collected.text)")
            terminal.type("q")
            let ended = waitUntil(seconds: 20) { !process.isRunning }
            if !ended { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            let stdout = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(process.terminationStatus == 130, "stderr: \(collected.text)")
            let summary = try #require(try JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any])
            #expect(summary["cause"] as? String == "q")
            #expect(summary["wayOut"] as? String == "ramp")
            var modes = termios()
            tcgetattr(terminal.replica, &modes)
            #expect(modes.c_lflag & tcflag_t(ECHO) != 0, "echo back on")
            #expect(modes.c_lflag & tcflag_t(ICANON) != 0, "canonical mode back on")
            _ = terminal.finish()
        }
    }
}

/// Polls a condition (an event another process causes) until it holds or time runs out.
func waitUntil(seconds: Double, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        usleep(10_000)
    }
    return condition()
}

/// Reads a pipe on its own thread so the writer never blocks; the text so far.
final class CollectedOutput: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    init(_ handle: FileHandle) {
        handle.readabilityHandler = { [weak self] handle in
            let chunk = handle.availableData
            guard let self, !chunk.isEmpty else { handle.readabilityHandler = nil; return }
            self.lock.lock(); self.data.append(chunk); self.lock.unlock()
        }
    }
    var text: String {
        lock.lock(); defer { lock.unlock() }
        return String(decoding: data, as: UTF8.self)
    }
}

extension PlayTests {
    @Suite("standard output closed")
    struct OutputClosed {
        @Test("a play piped into something that stops reading (head -1) stops as SIGPIPE would: exit 141")
        func readerGoesAway() throws {
            let directory = try temporaryFolder()
            defer { try? FileManager.default.removeItem(at: directory) }
            let pattern = try PlayFixtures.write(PlayFixtures.long, named: "pattern.yaml", in: directory)
            let process = Process()
            guard let knead = Paths.knead else { throw MissingBinary() }
            process.executableURL = knead
            process.arguments = ["play", pattern, "--time-scale", "5"]
            process.currentDirectoryURL = directory
            let output = Pipe(), errors = Pipe()
            process.standardOutput = output
            process.standardError = errors
            process.standardInput = FileHandle.nullDevice
            let collected = CollectedOutput(errors.fileHandleForReading)
            try process.run()
            // Read the first progress line, then go away as `head -1` does.
            var first = Data()
            while !first.contains(UInt8(ascii: "\n")) {
                let chunk = output.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                first.append(chunk)
            }
            #expect(String(decoding: first, as: UTF8.self).hasPrefix("knead: 0:00 of"))
            try output.fileHandleForReading.close()
            let ended = waitUntil(seconds: 20) { !process.isRunning }
            if !ended { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            #expect(process.terminationStatus == 141, "stderr: \(collected.text)")
        }
    }
}
