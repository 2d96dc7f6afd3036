import Foundation
import KneadCore
import KneadSystem
import Testing
@testable import KneadSimulator

@Suite struct PortLinkTests {
    private func folder() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("knead-link-\(UUID())").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// A second `knead sim --link L` used to re-point the first one's link under its host.
    @Test func aLinkToALiveTerminalIsRefusedAndLeftAlone() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let live = dir + "/live-terminal"
        _ = FileManager.default.createFile(atPath: live, contents: nil)
        let link = dir + "/port"
        let first = try PortLink(at: link, to: live)
        #expect(first.note == nil)
        #expect(throws: PortLink.Problem(path: link, kind: .inUse(target: live))) {
            try PortLink(at: link, to: dir + "/another-terminal")
        }
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == live)
        let failure = SimServer.Failure.link(PortLink.Problem(path: link, kind: .inUse(target: live)))
        #expect(failure.exitCode == 69)
        #expect(failure.description.contains("which is live (another knead sim?)"))
        first.remove()
        #expect(FileSystem.linkTarget(link) == nil)
    }

    @Test func aDanglingLinkFromACrashedSimulatorIsReplacedWithANote() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let link = dir + "/port"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: dir + "/gone")
        let target = dir + "/new-terminal"
        _ = FileManager.default.createFile(atPath: target, contents: nil)
        let replaced = try PortLink(at: link, to: target)
        #expect(replaced.note?.contains("dangling link \(link)") == true)
        #expect(FileSystem.linkTarget(link) == target)
    }

    @Test func aPathThatIsNotALinkIsRefused() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = dir + "/port"
        _ = FileManager.default.createFile(atPath: file, contents: Data("keep".utf8))
        #expect(throws: PortLink.Problem(path: file, kind: .notALink)) { try PortLink(at: file, to: "/dev/null") }
        #expect(SimServer.Failure.link(PortLink.Problem(path: file, kind: .notALink)).exitCode == 73)
    }
}

@Suite struct SimServerTests {
    /// `--trace /dev/full`: the trace opens (a device stays a device), every write fails
    /// with ENOSPC, and the run says so and ends with 74 instead of a raw error dump.
    @Test func aTraceToAFullDiskIsReportedAndEndsWithAnIOError() throws {
        let options = SimServer.Options(server: .init(protocol: .tcode, profile: .chair), tracePath: "/dev/full")
        let simulator = try SimServer(options: options)
        simulator.requestStop()
        var lines = ""
        let outcome = simulator.run(live: false, write: { lines += $0 })
        let error = try #require(outcome.traceError)
        #expect(error.isDiskFull)
        #expect(outcome.exitCode(signal: 2) == 74)
        #expect(outcome.text.contains("knead: error: writing the trace file /dev/full failed: No space left on device"))
        #expect(!outcome.text.contains("NSCocoaErrorDomain"))
        #expect(outcome.report.traceError == error.description)
    }

    @Test func exitCodesFollowHowTheRunEnded() throws {
        let simulator = try SimServer(options: .init(server: .init(protocol: .kwp, profile: .chair)))
        simulator.requestStop()
        var outcome = simulator.run(live: false, write: { _ in })
        #expect(outcome.report.ending == .stopped)
        #expect(outcome.exitCode(signal: 0) == 130)
        #expect(outcome.exitCode(signal: 15) == 143)
        outcome.report.ending = .hungUp
        #expect(outcome.exitCode(signal: 0) == 0)
        #expect(outcome.json.contains("\"ending\":\"hung-up\""))
        #expect(outcome.json.contains("\"protocol\":\"kwp\""))
    }

    @Test func aTraceThatCannotBeOpenedIsACannotCreate() {
        let options = SimServer.Options(server: .init(protocol: .tcode, profile: .chair),
                                        tracePath: "/nonexistent-dir/trace.csv")
        #expect {
            _ = try SimServer(options: options)
        } throws: { error in
            guard let failure = error as? SimServer.Failure, case .trace = failure else { return false }
            return failure.exitCode == 73 && failure.description.contains("No such file or directory")
        }
    }
}
