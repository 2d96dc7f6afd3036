import Glibc
import KneadSystem
import Testing

@Suite("System layer")
struct KneadSystemTests {
    @Test func errnoNamesAreTheSymbolsAPersonSearchesFor() {
        #expect(Errno.name(ENOENT) == "ENOENT")
        #expect(Errno.name(ENOTTY) == "ENOTTY")
        #expect(Errno.name(9999) == "errno 9999")
        #expect(Errno.text(ENOENT) == "No such file or directory")
    }

    @Test func baudRatesAreTermiosSpeeds() {
        #expect(BaudRate.termiosSpeed(115_200) == speed_t(B115200))
        #expect(BaudRate.termiosSpeed(9600) == speed_t(B9600))
        #expect(BaudRate.termiosSpeed(4_000_000) == speed_t(B4000000))
        #expect(BaudRate.termiosSpeed(115_201) == nil)
    }

    @Test func aWakeUpMakesThePipeReadableAndDrainingEmptiesIt() throws {
        let pipe = try #require(WakePipe())
        func readable() -> Bool {
            var entry = pollfd(fd: pipe.readEnd, events: Int16(POLLIN), revents: 0)
            return poll(&entry, 1, 0) == 1
        }
        #expect(!readable())
        pipe.wake()
        pipe.wake()
        #expect(readable())
        pipe.drain()
        #expect(!readable())
        #expect(fcntl(pipe.writeEnd, F_GETFL) & O_NONBLOCK != 0)
        #expect(fcntl(pipe.readEnd, F_GETFD) & FD_CLOEXEC != 0)
    }

    @Test func aPseudoTerminalCarriesBytesFromSlaveToMaster() throws {
        let pair = try PseudoTerminalPair.open()
        defer { close(pair.master) }
        #expect(pair.slavePath.hasPrefix("/dev/pts/"))
        let slave = open(pair.slavePath, O_RDWR | O_NOCTTY)
        try #require(slave >= 0)
        defer { close(slave) }
        PseudoTerminalPair.makeRaw(slave, baud: 115_200)
        var attributes = termios()
        #expect(tcgetattr(slave, &attributes) == 0)
        #expect(cfgetospeed(&attributes) == speed_t(B115200))
        var bytes: [UInt8] = [0x00, 0x0A, 0x0D, 0xFF]
        #expect(write(slave, &bytes, bytes.count) == bytes.count)
        var received = [UInt8](repeating: 0, count: 8)
        let count = read(pair.master, &received, received.count)  // blocks until the bytes are there
        #expect(Array(received.prefix(max(0, count))) == bytes)
    }

    @Test func monotonicTimeMovesForwardAndCPUTimeIsCounted() {
        let before = MonotonicTime.nanoseconds()
        let cpuBefore = CPUTime.thisThreadNanoseconds()
        var sum = 0.0
        for i in 0..<200_000 { sum += Double(i).squareRoot() }
        #expect(sum > 0)
        #expect(MonotonicTime.nanoseconds() > before)
        #expect(CPUTime.thisThreadNanoseconds() > cpuBefore)
        #expect(MonotonicTime.sleep(untilNanoseconds: MonotonicTime.nanoseconds() &- 1))
    }

    @Test func peakMemoryIsReadable() throws {
        let peak = try #require(ProcessMemory.peakResidentBytes())
        #expect(peak > 1 << 20)
    }

    @Test func fileOutputWritesEveryByteAndSaysWhyItCannot() throws {
        let path = "/tmp/knead-system-test-\(getpid())"
        defer { unlink(path) }
        let descriptor = try FileOutput.create(path)
        let bytes: [UInt8] = Array(0...255)
        try bytes.withUnsafeBytes { try FileOutput.writeAll(descriptor, $0) }
        FileOutput.close(descriptor)
        var info = stat()
        #expect(stat(path, &info) == 0)
        #expect(info.st_size == 256)
        #expect(throws: FileOutput.Failure(code: ENOENT)) { try FileOutput.create("/nonexistent-folder/out.csv") }
        #expect(FileOutput.Failure(code: ENOENT).reason == "No such file or directory")
    }

    @Test func aPauseReturns() {
        let before = MonotonicTime.nanoseconds()
        ThreadPause.sleep(microseconds: 50)
        #expect(MonotonicTime.nanoseconds() - before >= 50_000)
    }

    @Test func aNativeThreadRunsItsBodyBeforeJoinReturns() throws {
        final class Box: @unchecked Sendable { var ran = false }
        let box = Box()
        let thread = try #require(NativeThread.start { box.ran = true })
        thread.join()
        #expect(box.ran)
    }
}
