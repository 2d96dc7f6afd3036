import Glibc
import KneadSystem
import Testing

@Suite("Poll and Descriptor")
struct PollAndDescriptorTests {
    /// A plain pipe, both ends non-blocking; the caller closes what it has not closed.
    private func makePipe() throws -> (read: Int32, write: Int32) {
        var ends: [Int32] = [-1, -1]
        try #require(pipe(&ends) == 0)
        for end in ends { Descriptor.setNonBlocking(end) }
        return (ends[0], ends[1])
    }

    @Test func pollSaysWhichDescriptorIsReadyAndSkipsNegativeOnes() throws {
        let pipe = try #require(WakePipe())
        #expect(Poll.wait([Poll.Request(pipe.readEnd, .readable)], timeoutMilliseconds: 0) == .timedOut)
        #expect(Poll.wait(for: .readable, on: pipe.readEnd, timeoutMilliseconds: 0).isEmpty)
        pipe.wake()
        #expect(Poll.wait([Poll.Request(-1, .readable), Poll.Request(pipe.readEnd, .readable)],
                          timeoutMilliseconds: -1) == .ready([[], .readable]))
        #expect(Poll.wait(for: .writable, on: pipe.writeEnd, timeoutMilliseconds: 0) == .writable)
    }

    @Test func pollWithNothingToWatchSleepsItsTimeout() {
        let before = MonotonicTime.nanoseconds()
        #expect(Poll.wait([], timeoutMilliseconds: 2) == .timedOut)
        #expect(Poll.wait([Poll.Request(-1, .readable)], timeoutMilliseconds: 1) == .timedOut)
        #expect(MonotonicTime.nanoseconds() - before >= 3_000_000)
    }

    @Test func aClosedWriteEndPollsAsHungUpAndReadsAsEndOfFile() throws {
        let (readEnd, writeEnd) = try makePipe()
        defer { Descriptor.close(readEnd) }
        var buffer = [UInt8](repeating: 0, count: 8)
        #expect(buffer.withUnsafeMutableBytes { Descriptor.read(readEnd, into: $0) } == .again)
        let bytes: [UInt8] = [1, 2, 3]
        #expect(bytes.withUnsafeBytes { Descriptor.write(writeEnd, $0) } == .moved(3))
        Descriptor.close(writeEnd)
        let got = Poll.wait(for: .readable, on: readEnd, timeoutMilliseconds: -1)
        #expect(got.contains(.readable))
        #expect(got.contains(.hangUp))
        #expect(!got.isDisjoint(with: .closed))
        #expect(buffer.withUnsafeMutableBytes { Descriptor.read(readEnd, into: $0) } == .moved(3))
        #expect(buffer.prefix(3) == [1, 2, 3])
        #expect(buffer.withUnsafeMutableBytes { Descriptor.read(readEnd, into: $0) } == .moved(0))
    }

    @Test func aBadDescriptorFailsWithItsErrnoAndPollsAsInvalid() {
        let bytes: [UInt8] = [1]
        #expect(bytes.withUnsafeBytes { Descriptor.write(9_999, $0) } == .failed(EBADF))
        #expect(Poll.wait(for: .readable, on: 9_999, timeoutMilliseconds: 0) == .invalid)
    }

    @Test func flagsAreSet() throws {
        var ends: [Int32] = [-1, -1]
        try #require(pipe(&ends) == 0)
        defer { ends.forEach(Descriptor.close) }
        #expect(fcntl(ends[0], F_GETFL) & O_NONBLOCK == 0)
        Descriptor.setNonBlocking(ends[0])
        Descriptor.setCloseOnExec(ends[0])
        #expect(fcntl(ends[0], F_GETFL) & O_NONBLOCK != 0)
        #expect(fcntl(ends[0], F_GETFD) & FD_CLOEXEC != 0)
    }

    @Test func aTerminalDeviceOpensNonBlockingOrSaysWhy() throws {
        let pair = try PseudoTerminalPair.open()
        defer { Descriptor.close(pair.master) }
        let slave = try Descriptor.openTerminalDevice(pair.slavePath).get()
        defer { Descriptor.close(slave) }
        #expect(fcntl(slave, F_GETFL) & O_NONBLOCK != 0)
        #expect(fcntl(slave, F_GETFD) & FD_CLOEXEC != 0)
        #expect(throws: FileOutput.Failure(code: ENOENT)) {
            try Descriptor.openTerminalDevice("/dev/knead-no-such-port").get()
        }
    }
}
