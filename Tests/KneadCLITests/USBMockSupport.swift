import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The emulated USB devices of Tests/Support/usb-mock (umockdev's ioctl handler API):
/// usb-mock is built once per test run, and each test runs `knead` under it with the
/// devices it needs, reading the log of every transfer the devices received.
enum USBMock {
    static let binary: Result<String, BuildError> = {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("knead-usb-mock-\(getpid())")
        let build = Process()
        build.executableURL = Paths.repository.appendingPathComponent("Tests/Support/usb-mock/build")
        build.arguments = [folder.path]
        let output = Pipe()
        build.standardOutput = output
        build.standardError = output
        do {
            try build.run()
        } catch {
            return .failure(BuildError(description: "cannot run Tests/Support/usb-mock/build: \(error)"))
        }
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        build.waitUntilExit()
        let path = folder.appendingPathComponent("usb-mock").path
        guard build.terminationStatus == 0, FileManager.default.isExecutableFile(atPath: path) else {
            return .failure(BuildError(description: "Tests/Support/usb-mock/build failed: \(printed)"))
        }
        return .success(path)
    }()

    struct BuildError: Error, CustomStringConvertible {
        var description: String
    }

    /// A device description in Tests/Support/usb-mock/devices.
    static func device(_ name: String) -> String {
        Paths.repository.appendingPathComponent("Tests/Support/usb-mock/devices/\(name).umockdev").path
    }

    /// usb-mock's command line for `devices` (each with its own options after it), up to `--`.
    static func wrapper(_ devices: [(name: String, options: [String])]) throws -> [String] {
        var arguments = [try binary.get()]
        for device in devices { arguments += ["--device", self.device(device.name)] + device.options }
        return arguments + ["--"]
    }
}

/// What an emulated device received, line by line (usb-mock's log).
struct USBLog {
    let lines: [String]

    init(_ path: URL) {
        lines = ((try? String(contentsOf: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    /// The OUT transfers a driver made: interrupt and bulk OUT, and control requests
    /// other than the standard ones libusb makes to read descriptors.
    var outTransfers: [String] {
        lines.filter { $0.hasPrefix("interrupt-out ") || $0.hasPrefix("bulk-out ") || $0.hasPrefix("control ") }
    }
}

/// The parts of `knead play --json`'s summary the USB tests read.
struct PlaySummaryFields: Decodable {
    var exitCode: Int32
    var outcome: String
    var framesSent: Int
    var lateFrames: Int
    var error: String?
    var deviceIdentity: Identity?
    var deviceAtZero: Bool?

    struct Identity: Decodable {
        var model: String
        var firmware: String
        var `protocol`: String
    }

    static func last(in stdout: String) throws -> PlaySummaryFields {
        let line = try #require(stdout.split(separator: "\n").last, "no summary on stdout")
        return try JSONDecoder().decode(PlaySummaryFields.self, from: Data(line.utf8))
    }
}
