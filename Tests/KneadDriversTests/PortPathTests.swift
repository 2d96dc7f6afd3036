import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import KneadDrivers

@Suite("Port paths: pseudo-terminals, missing files, the console")
struct PortPathTests {
    @Test func aPseudoTerminalIsRecognisedByItsPath() throws {
        let device = try PseudoTerminalDevice()
        defer { device.closeMaster() }
        let path = PortPath(device.slavePath)
        #expect(path.kind == .pseudoTerminal)
        #expect(path.resolved == device.slavePath)
    }

    @Test func aSymlinkToAPseudoTerminalIsOneToo() throws {
        let device = try PseudoTerminalDevice()
        defer { device.closeMaster() }
        let folder = try TemporaryFolder()
        let link = folder.file("knead-sim")
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: device.slavePath)
        let path = PortPath(link)
        #expect(path.kind == .pseudoTerminal)
        #expect(path.resolved == device.slavePath)
    }

    /// A pty under another name (as umockdev presents one) is known by its major number.
    /// glibc's makedev (a macro Swift does not see).
    private func makedev(_ major: UInt64, _ minor: UInt64) -> UInt64 {
        ((major & 0xfff) << 8) | (minor & 0xff) | ((minor & ~0xff) << 12) | ((major & ~0xfff) << 32)
    }

    @Test func ptySlaveMajorsAreTheUnix98Ones() {
        #expect(PortPath.major(makedev(136, 3)) == 136)
        #expect(PortPath.major(makedev(143, 1_000)) == 143)
        #expect(PortPath.ptySlaveMajors.contains(PortPath.major(makedev(136, 0))))
        #expect(!PortPath.ptySlaveMajors.contains(PortPath.major(makedev(188, 0))))  // ttyUSB
        #expect(!PortPath.ptySlaveMajors.contains(PortPath.major(makedev(166, 0))))  // ttyACM
    }

    @Test func aCharacterDeviceThatIsNotAPtyIsASerialDevice() {
        // /dev/null is a character device (major 1): stat only, never opened here.
        #expect(PortPath("/dev/null").kind == .serialDevice)
    }

    @Test func missingAndNonDevicePaths() throws {
        let folder = try TemporaryFolder()
        #expect(PortPath(folder.file("nothing")).kind == .missing)
        let file = folder.file("plain.txt")
        _ = FileManager.default.createFile(atPath: file, contents: Data("x".utf8))
        let plain = PortPath(file)
        #expect(plain.kind == .notADevice)
        #expect(plain.fileType == "a regular file")
        #expect(PortPath(folder.path).fileType == "a folder")
    }

    @Test func theConsoleIsNeverOpened() throws {
        let device = try PseudoTerminalDevice()
        defer { device.closeMaster() }
        let name = String(device.slavePath.dropFirst("/dev/".count))
        let path = PortPath(device.slavePath)
        #expect(path.neverOpenReason(consoleNames: [name]) == "\(device.slavePath) is this machine's console: knead never opens it")
        #expect(path.neverOpenReason(consoleNames: ["ttyS0"]) == nil)
        #expect(PortPath("/dev/console").neverOpenReason(consoleNames: []) != nil)
    }

    @Test func activeConsolesAreReadFromSysfsFormat() throws {
        let folder = try TemporaryFolder()
        let file = folder.file("active")
        try "ttyS0 tty0\n".write(toFile: file, atomically: true, encoding: .utf8)
        #expect(PortPath.activeConsoleNames(file: file) == ["ttyS0", "tty0"])
        #expect(PortPath.activeConsoleNames(file: folder.file("missing")) == [])
    }
}
