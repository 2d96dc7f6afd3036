import KneadSystem
import Foundation
import KneadCore
import Testing
@testable import KneadSimulator
#if canImport(Glibc)
import Glibc
#endif

/// `PtyServer` on a real pseudo-terminal, served on a thread of this process, with the
/// test in the host's place on the slave side.
@Suite("Serving: the pseudo-terminal server", .serialized)
struct ServingPtyTests {
    /// A server running on its own thread until `stop`.
    final class Running: @unchecked Sendable {
        let server: PtyServer
        private let done = DispatchSemaphore(value: 0)
        private let events = Locked<[String]>([])
        private var report: ServeReport?

        init(_ configuration: PtyServer.Configuration, trace: TraceSink? = nil) throws {
            server = try PtyServer(configuration: configuration, trace: trace)
            let thread = Thread { [self] in
                report = server.run(onEvent: { event in self.events.withLock { $0.append(event.text) } })
                done.signal()
            }
            thread.start()
        }

        var eventTexts: [String] { events.withLock { $0 } }

        /// Stops the server (unless it ended by itself) and returns its report.
        func stop(timeout: Double = 5) -> ServeReport? {
            server.requestStop()
            guard done.wait(timeout: .now() + timeout) == .success else { return nil }
            return report
        }

        func waitForEnd(timeout: Double) -> ServeReport? {
            guard done.wait(timeout: .now() + timeout) == .success else { return nil }
            return report
        }
    }

    /// Opens the slave side raw, as a host would.
    static func openHost(_ path: String) throws -> Int32 {
        let descriptor = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK)
        try #require(descriptor >= 0, "cannot open \(path): errno \(errno)")
        var attributes = termios()
        tcgetattr(descriptor, &attributes)
        cfmakeraw(&attributes)
        tcsetattr(descriptor, TCSANOW, &attributes)
        return descriptor
    }

    static func send(_ descriptor: Int32, _ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
    }

    /// Reads until `expected` bytes have come or `timeout` passes; nil if the line hung up.
    static func read(_ descriptor: Int32, expected: Int, timeout: Double = 3) -> [UInt8]? {
        var got: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1024)
        let deadline = Date().addingTimeInterval(timeout)
        while got.count < expected, Date() < deadline {
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 20) > 0 else { continue }
            let count = Glibc.read(descriptor, &buffer, buffer.count)
            if count > 0 {
                got += buffer[0..<count]
            } else if count == 0 || (errno != EAGAIN && errno != EINTR) {
                return got.isEmpty ? nil : got
            }
        }
        return got
    }

    @Test func aHostOpensThePathTalksTCodeAndEveryOpenIsCounted() throws {
        let running = try Running(.init(protocol: .tcode, profile: .chair))
        let path = running.server.path
        #expect(path.hasPrefix("/dev/pts/"))
        for _ in 0..<2 {
            let host = try Self.openHost(path)
            Self.send(host, "D1\n")
            #expect(Self.read(host, expected: 11).map { String(decoding: $0, as: UTF8.self) } == "TCode v0.3\n")
            Self.send(host, "V05 L0")  // half a line, then the host goes away
            usleep(20_000)
            close(host)
            usleep(30_000)
        }
        let report = try #require(running.stop())
        #expect(report.ending == .stopped)
        #expect(report.hostConnections == 2)
        // The half line of the first host did not run into the second's D1.
        #expect(report.tcode?.queries == 2)
        #expect(report.tcode?.invalidTokens == 0)
        #expect(running.eventTexts.filter { $0 == "a host opened the port" }.count == 2)
        #expect(running.eventTexts.filter { $0 == "the host closed the port" }.count == 2)
    }

    @Test func theHangupFaultClosesTheLineUnderTheHost() throws {
        let running = try Running(.init(protocol: .tcode, profile: .chair,
                                        faults: try ServeFaults.parse("hangup=200ms")))
        let host = try Self.openHost(running.server.path)
        defer { close(host) }
        Self.send(host, "V05\n")
        let report = try #require(running.waitForEnd(timeout: 3))
        #expect(report.ending == .hungUp)
        #expect(report.seconds >= 0.2)
        var byte: UInt8 = 0
        let count = Glibc.read(host, &byte, 1)
        #expect(count == 0 || (count < 0 && errno == EIO), "read after the hang-up gave \(count), errno \(errno)")
        #expect(running.eventTexts.contains("hung up, 200ms after the host's first byte (fault injection)"))
    }

    @Test func aMuteDeviceHearsButNeverAnswers() throws {
        let running = try Running(.init(protocol: .tcode, profile: .chair, faults: try ServeFaults.parse("mute")))
        let host = try Self.openHost(running.server.path)
        Self.send(host, "D1\nV05\n")
        #expect(Self.read(host, expected: 1, timeout: 0.3) == [])
        close(host)
        let report = try #require(running.stop())
        #expect(report.tcode?.queries == 1 && report.tcode?.axisCommands == 1)
        #expect(report.bytesToHost == 0 && report.bytesDiscarded == 11)
    }

    @Test func aPacedLineTakesTenBitsABytEachWay() throws {
        let running = try Running(.init(protocol: .tcode, profile: .chair, baud: 9600, paced: true))
        let host = try Self.openHost(running.server.path)
        defer { close(host) }
        let start = Date()
        Self.send(host, "D1\n")  // 3 bytes in, 11 out: 14 × 1.04 ms at 9600 baud
        let reply = Self.read(host, expected: 11)
        let elapsed = Date().timeIntervalSince(start)
        #expect(reply.map { String(decoding: $0, as: UTF8.self) } == "TCode v0.3\n")
        #expect(elapsed >= 14 * 10.0 / 9600, "the answer came after \(elapsed) s")
        let report = try #require(running.stop())
        #expect(report.paced && report.baud == 9600)
        #expect(report.linkDelayMilliseconds.max >= 3 * 10.0 / 9600 * 1000 - 0.01)
    }
}
