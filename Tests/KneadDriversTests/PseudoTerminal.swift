import Foundation
import KneadSystem
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A pseudo-terminal whose master side the test holds, standing in for a device: the
/// driver under test opens `slavePath`. A thread reads what the driver writes, keeps it,
/// and lets `respond` answer (as a TCode or knead wire protocol device would).
final class PseudoTerminalDevice: @unchecked Sendable {
    let master: Int32
    let slavePath: String
    private let received = Locked<[UInt8]>([])
    private let stopping = Atomic<Bool>(false)
    private let masterClosed = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)
    private var thread: Thread?
    /// Answers to bytes from the host (called on the device thread).
    private let respond: @Sendable ([UInt8]) -> [UInt8]
    /// Called every millisecond or so on the device thread; returns bytes to send.
    private let tick: @Sendable () -> [UInt8]

    init(respond: @escaping @Sendable ([UInt8]) -> [UInt8] = { _ in [] },
         tick: @escaping @Sendable () -> [UInt8] = { [] }) throws {
        let pair = try PseudoTerminalPair.open()
        _ = fcntl(pair.master, F_SETFL, fcntl(pair.master, F_GETFL) | O_NONBLOCK)
        master = pair.master
        slavePath = pair.slavePath
        self.respond = respond
        self.tick = tick
        let thread = Thread { [self] in run() }
        self.thread = thread
        thread.start()
    }

    deinit {
        stop()
    }

    private func run() {
        // A device keeps its own time whatever the host machine is doing; on a loaded
        // test machine a normal thread can be kept waiting past the device's 250 ms
        // watchdog. Real-time priority where permitted (root), quietly not elsewhere.
        var parameters = sched_param()
        parameters.sched_priority = 40
        _ = pthread_setschedparam(pthread_self(), SCHED_FIFO, &parameters)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !stopping.load(ordering: .acquiring) {
            var poller = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
            if poll(&poller, 1, 1) > 0, poller.revents & Int16(POLLIN) == 0 {
                // No slave open (POLLHUP): nothing to read yet.
                usleep(1000)
            }
            // Whatever has arrived is taken in before the device's clock moves on, as a
            // UART interrupt would, even when this thread was not scheduled for a while.
            while true {
                let count = read(master, &buffer, buffer.count)
                guard count > 0 else { break }
                let bytes = Array(buffer[0..<count])
                received.withLock { $0 += bytes }
                send(respond(bytes))
            }
            send(tick())
        }
        finished.signal()
    }

    /// Writes to the host.
    func send(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count, !masterClosed.load(ordering: .acquiring) {
            let written = bytes[offset...].withUnsafeBytes { write(master, $0.baseAddress, $0.count) }
            if written > 0 { offset += written } else { usleep(200) }
        }
    }

    var bytes: [UInt8] { received.withLock { $0 } }
    var text: String { String(decoding: bytes, as: UTF8.self) }

    /// Waits (polling) until `condition` holds for what arrived, up to `timeout` seconds.
    @discardableResult
    func waitUntil(timeout: Double = 5, _ condition: ([UInt8]) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition(bytes) { return true }
            usleep(1000)
        }
        return condition(bytes)
    }

    /// The device goes away: its side of the pseudo-terminal is closed (the host sees
    /// a hang-up, as when a USB adapter is pulled).
    func hangUp() {
        stop()
        if !masterClosed.exchange(true, ordering: .acquiringAndReleasing) { close(master) }
    }

    func stop() {
        guard let thread, !stopping.exchange(true, ordering: .acquiringAndReleasing) else { return }
        _ = thread
        finished.wait()
    }

    func closeMaster() {
        stop()
        if !masterClosed.exchange(true, ordering: .acquiringAndReleasing) { close(master) }
    }
}

enum PseudoTerminalError: Error {
    case cannotCreate(Int32)
}

/// A folder under /tmp for one test, removed at the end.
final class TemporaryFolder: @unchecked Sendable {
    let path: String
    init() throws {
        var template = Array("/tmp/knead-drivers-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw PseudoTerminalError.cannotCreate(errno) }
        path = String(cString: made)
    }
    func file(_ name: String) -> String { path + "/" + name }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// The package's root folder (tests read shipped files and golden files from it).
enum SourceTree {
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()
}
