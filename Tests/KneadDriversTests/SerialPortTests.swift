import Foundation
import KneadEngine
import Testing
@testable import KneadDrivers
#if canImport(Glibc)
import Glibc
#endif

@Suite("Serial transport over a real pseudo-terminal (termios)")
struct SerialPortTests {
    @Test func opensAPtyWithTermiosRaw8N1AndMovesBytesBothWays() throws {
        let device = try PseudoTerminalDevice(respond: { bytes in bytes == Array("ping\n".utf8) ? Array("pong\r\n".utf8) : [] })
        defer { device.closeMaster() }
        let port = try SerialPort.open(device.slavePath, settings: SerialSettings(baud: 115_200))
        defer { port.close() }
        #expect(port.backend == .termios)
        #expect(port.kind == .pseudoTerminal)

        var attributes = termios()
        #expect(tcgetattr(port.fileDescriptor, &attributes) == 0)
        #expect(cfgetospeed(&attributes) == speed_t(B115200))
        #expect(attributes.c_cflag & tcflag_t(CSIZE) == tcflag_t(CS8))
        #expect(attributes.c_cflag & tcflag_t(PARENB) == 0)
        #expect(attributes.c_cflag & tcflag_t(CSTOPB) == 0)
        #expect(attributes.c_cflag & tcflag_t(CRTSCTS) == 0)
        #expect(attributes.c_iflag & tcflag_t(IXON | IXOFF) == 0)
        #expect(attributes.c_lflag & tcflag_t(ICANON | ECHO) == 0)
        #expect(attributes.c_oflag & tcflag_t(OPOST) == 0)
        #expect(fcntl(port.fileDescriptor, F_GETFL) & O_NONBLOCK != 0)

        try port.write(Array("ping\n".utf8))
        #expect(device.waitUntil { $0 == Array("ping\n".utf8) })
        var buffer = [UInt8](repeating: 0, count: 64)
        var got: [UInt8] = []
        let deadline = Date().addingTimeInterval(2)
        while got.count < 6, Date() < deadline {
            if port.waitForInput(timeout: 100_000_000) == .readable {
                let count = try port.read(into: &buffer)
                got += buffer[0..<count]
            }
        }
        #expect(got == Array("pong\r\n".utf8))  // raw: no CR/LF translation
    }

    @Test func aSecondOpenOfTheSamePortIsBusy() throws {
        let device = try PseudoTerminalDevice()
        defer { device.closeMaster() }
        let port = try SerialPort.open(device.slavePath)
        defer { port.close() }
        #expect(throws: BackendError.refused(
            "\(device.slavePath) is busy: another program has it open (a serial monitor, another knead); close it and try again")) {
            _ = try SerialPort.open(device.slavePath)
        }
    }

    @Test func aMissingPortSaysSoAndWhatToDo() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("ttyUSB9")
        #expect(throws: BackendError.refused("no serial port at \(path): no such file (run 'knead devices' to list the "
                                             + "ports, or check the path 'knead sim' printed)")) {
            _ = try SerialPort.open(path)
        }
    }

    @Test func aFileIsNotASerialPort() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("notes.txt")
        _ = FileManager.default.createFile(atPath: path, contents: Data())
        #expect(throws: BackendError.refused("\(path) is not a serial port: it is a regular file")) {
            _ = try SerialPort.open(path)
        }
    }

    @Test func anOddBaudRateIsRefusedBeforeOpening() throws {
        let device = try PseudoTerminalDevice()
        defer { device.closeMaster() }
        #expect(throws: BackendError.refused("12345 baud is not a rate the serial port can be set to: use a standard "
                                             + "rate such as 115200 in the profile's connection")) {
            _ = try SerialPort.open(device.slavePath, settings: SerialSettings(baud: 12345))
        }
    }

    /// Root opens anything, so the OS answer is checked where it is turned into words;
    /// `PermissionTests` runs a real open as an unprivileged user where it can.
    @Test func permissionDeniedSaysHowToFixIt() {
        let failure = SerialOpenFailure(step: .open, code: EACCES)
        #expect(SerialErrors.openMessage(failure, path: "/dev/ttyUSB0", kind: .serialDevice, backend: .libserialport)
                == "permission denied opening /dev/ttyUSB0: add yourself to the dialout group with "
                + "'sudo usermod -aG dialout $USER', then log out and in again")
        #expect(SerialErrors.openMessage(SerialOpenFailure(step: .open, code: EBUSY), path: "/dev/ttyACM0",
                                         kind: .serialDevice, backend: .libserialport)
                == "/dev/ttyACM0 is busy: another program has it open (a serial monitor, another knead); close it and try again")
        #expect(SerialErrors.openMessage(SerialOpenFailure(step: .open, code: ENODEV), path: "/dev/ttyACM0",
                                         kind: .serialDevice, backend: .libserialport)
                == "/dev/ttyACM0 has no device behind it (ENODEV): plug the device in, or check the path")
    }

    /// The other end going away is seen by the reader (poll wakes on the hang-up) and
    /// by the next write; the tests's bound is the one play promises (100 ms).
    @Test func aVanishedPortIsADisconnectNamingThePort() throws {
        let device = try PseudoTerminalDevice()
        let port = try SerialPort.open(device.slavePath)
        defer { port.close() }
        let started = ContinuousClock.now
        device.hangUp()
        var failure: BackendError?
        var buffer = [UInt8](repeating: 0, count: 16)
        while failure == nil, ContinuousClock.now - started < .seconds(1) {
            if port.waitForInput(timeout: 10_000_000) == .readable {
                do { _ = try port.read(into: &buffer) } catch { failure = error }
            }
        }
        let elapsed = ContinuousClock.now - started
        let error = try #require(failure)
        guard case let .disconnected(message) = error else {
            Issue.record("expected a disconnect, got \(error)")
            return
        }
        #expect(message.hasPrefix(device.slavePath))
        // The figure is reported, not asserted (a loaded CI machine is no stopwatch); the bound only catches a hang.
        print("serial: hang-up noticed after \(elapsed)")
        #expect(elapsed < .seconds(2), "the hang-up took \(elapsed) to notice")
        #expect(throws: BackendError.self) { try port.write(Array("L05000\n".utf8)) }
    }

    /// A device that stops reading: the OS buffer fills and the write gives up at its
    /// deadline instead of blocking the engine.
    @Test func aWriteThatCannotGoOutGivesUpAtItsDeadline() throws {
        let device = try PseudoTerminalDevice()
        device.stop()  // the master side stays open but nobody reads it
        defer { device.closeMaster() }
        let port = try SerialPort.open(device.slavePath, settings: SerialSettings(writeTimeout: 0.02))
        defer { port.close() }
        let block = [UInt8](repeating: 0x41, count: 4096)
        var failure: BackendError?
        for _ in 0..<1000 {
            do { try port.write(block) } catch {
                failure = error
                break
            }
        }
        let error = try #require(failure)
        guard case let .disconnected(message) = error else {
            Issue.record("expected a disconnect, got \(error)")
            return
        }
        #expect(message.hasPrefix("\(device.slavePath): only "))
        #expect(message.hasSuffix("bytes went out within 20 ms (the device stopped taking data)"))
    }
}

/// Everything waiting on a non-blocking descriptor.
func readAll(_ descriptor: Int32) -> [UInt8] {
    var all: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let count = read(descriptor, &buffer, buffer.count)
        guard count > 0 else { return all }
        all += buffer[0..<count]
    }
}
