import Foundation
import KneadWire
import Testing
@testable import KneadDrivers
#if canImport(Glibc)
import Glibc
#endif

/// `knead play --port` as a person runs it, against a device the test plays on the
/// other side of a pseudo-terminal: through real libserialport (with the TIOCM shim
/// preloaded into the child, PLATFORM.md) and through termios, with the exit codes
/// play promises (0, 64, 69, 74). One at a time: each plays in real time, and the
/// hang-up test measures how fast play ends.
@Suite("knead play --port", .serialized)
struct PlayOverPortTests {
    /// TCode through libserialport: the child opens the pty by its libserialport path,
    /// the shim answers the modem-line ioctls, DTR and RTS stay off, every line is
    /// valid TCode within the pattern's 40 %, and play ends with DSTOP.
    @Test func tcodeThroughLibserialportPlaysToTheEnd() throws {
        let folder = try TemporaryFolder()
        let shim = try buildTIOCMShim(in: folder)
        let pattern = try writeTinyPattern(in: folder)
        let device = try answeringTCodeDevice()
        defer { device.closeMaster() }
        let port = try libserialportPath(linkingTo: device.slavePath, in: folder)
        let log = folder.file("tiocm.log")
        let run = try KneadRun(["play", pattern, "--device", "tcode-vibrator", "--port", port, "--json"],
                               environment: ["LD_PRELOAD": shim, "KNEAD_TIOCM_LOG": log,
                                             "KNEAD_SERIAL_TRANSPORT": "libserialport"])
        let status = run.wait()
        #expect(status == 0, "stderr: \(run.stderr)")
        #expect(run.stdout.contains("\"outcome\":\"done\""))

        // libserialport set the modem lines (through the shim), and only ever to off.
        let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
        #expect(!lines.isEmpty, "libserialport did not configure the port: \(run.stderr)")
        #expect(lines.allSatisfy { $0.hasSuffix("lines=0x000") })

        #expect(device.waitUntil { String(decoding: $0, as: UTF8.self).hasSuffix("\nDSTOP\nV00000\n") })
        let text = device.text
        #expect(text.hasPrefix("\nD1\n"))
        var decoder = TCodeDeviceDecoder()
        var peak = 0.0
        var axisLines = 0
        for command in decoder.push(Array(text.utf8)) {
            switch command {
            case let .axes(axes):
                axisLines += 1
                for axis in axes {
                    #expect(axis.axis.description == "V0")
                    peak = max(peak, axis.value)
                }
            case .stop, .query: break
            default: Issue.record("not valid TCode: \(command)")
            }
        }
        #expect(axisLines > 10)
        #expect(peak > 0.3 && peak <= 0.4)
    }

    /// The knead wire protocol through libserialport: the device plays the setpoints
    /// from its buffer and ends at zero. Setpoints arrive 150 ms ahead; on a loaded
    /// machine this test's own device thread can be kept waiting past that, so up to
    /// 5 % may arrive after their time (on an idle machine none do).
    @Test func kwpThroughLibserialportPlaysToTheEnd() throws {
        let folder = try TemporaryFolder()
        let shim = try buildTIOCMShim(in: folder)
        let pattern = try writeTinyPattern(in: folder)
        let device = try KWPTestDevice()
        defer { device.finish() }
        let port = try libserialportPath(linkingTo: device.path, in: folder)
        let run = try KneadRun(["play", pattern, "--device", "knead-chair", "--port", port, "--json"],
                               environment: ["LD_PRELOAD": shim, "KNEAD_SERIAL_TRANSPORT": "libserialport"])
        let status = run.wait()
        #expect(status == 0, "stderr: \(run.stderr)")
        let executed = device.inspect { $0.statistics.executed }
        #expect(executed > 100)
        let late = device.inspect { $0.statistics.late }
        #expect(late * 20 <= executed, "\(late) of \(executed) setpoints arrived after their time")
        // STOP arrived and was obeyed (the device thread may still be reading it).
        #expect(device.waitUntil { $0.state == .ready && $0.target.intensity == 0 && $0.statistics.stops >= 1 })
    }

    /// The device going away mid-play: play stops, names the port, exits 74.
    @Test func aDeviceThatHangsUpEndsPlayWithExit74() throws {
        let folder = try TemporaryFolder()
        let pattern = try writeTinyPattern(in: folder)
        let device = try answeringTCodeDevice()
        let run = try KneadRun(["play", pattern, "--device", "tcode-vibrator", "--port", device.slavePath])
        #expect(device.waitUntil { String(decoding: $0, as: UTF8.self).contains("V0") })
        let hungUpAt = Date()
        device.hangUp()
        let status = run.wait()
        let took = Date().timeIntervalSince(hungUpAt)
        #expect(status == 74, "stderr: \(run.stderr)")
        #expect(run.stderr.contains("knead: error: device disconnected: \(device.slavePath)"))
        print("play over a port: ended \(took) s after the hang-up")
        #expect(took < 5, "play took \(took) s to end after the hang-up: a hang")
    }

    @Test func aMissingPortExits69() throws {
        let folder = try TemporaryFolder()
        let pattern = try writeTinyPattern(in: folder)
        let missing = folder.file("ttyUSB7")
        let run = try KneadRun(["play", pattern, "--device", "osr2", "--port", missing])
        #expect(run.wait() == 69)
        #expect(run.stderr.contains("knead: error: device refused: no serial port at \(missing): no such file"))
    }

    /// A KWP device that never answers: a clear error after the identify timeout, 69.
    @Test func aDeviceThatNeverAnswersIdentifyExits69() throws {
        let folder = try TemporaryFolder()
        let pattern = try writeTinyPattern(in: folder)
        let device = try PseudoTerminalDevice()
        defer { device.closeMaster() }
        let started = Date()
        let run = try KneadRun(["play", pattern, "--device", "knead-handheld", "--port", device.slavePath])
        #expect(run.wait(timeout: 10) == 69)
        #expect(Date().timeIntervalSince(started) < 5)
        #expect(run.stderr.contains("knead: error: device timed out: \(device.slavePath): the device did not answer identify (HELLO)"))
    }

    @Test func theSimulatorsOptionsAndProfilesAreRefusedForARealPort() throws {
        let folder = try TemporaryFolder()
        let pattern = try writeTinyPattern(in: folder)
        let scaled = try KneadRun(["play", pattern, "--device", "osr2", "--port", "/dev/ttyUSB0", "--time-scale", "10"])
        #expect(scaled.wait() == 64)
        #expect(scaled.stderr.contains("--time-scale plays the simulator faster than real time; serial port /dev/ttyUSB0 "
                                       + "keeps real time, so it refuses it"))
        let simulated = try KneadRun(["play", pattern, "--device", "chair", "--port", "/dev/ttyUSB0"])
        #expect(simulated.wait() == 64)
        #expect(simulated.stderr.contains("knead: error: the chair profile has no connection section"))
    }

    /// Opening as a user without access to the port (as root every open succeeds, so
    /// the child runs as nobody through setpriv).
    @Test(.enabled(if: getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv")))
    func permissionDeniedSaysHowToJoinDialout() throws {
        let folder = try TemporaryFolder()
        chmod(folder.path, 0o755)
        let pattern = try writeTinyPattern(in: folder)
        chmod(pattern, 0o644)
        let device = try PseudoTerminalDevice()
        defer { device.closeMaster() }
        chmod(device.slavePath, 0o600)
        let run = try KneadRun(["play", pattern, "--device", "tcode-vibrator", "--port", device.slavePath],
                               wrapper: ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"])
        #expect(run.wait() == 69, "stderr: \(run.stderr)")
        #expect(run.stderr.contains("knead: error: device refused: permission denied opening \(device.slavePath): add "
                                    + "yourself to the dialout group with 'sudo usermod -aG dialout $USER', then log out "
                                    + "and in again"))
    }
}
