import KneadEngine
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// An open serial port: writes with a deadline, reads that never block, a priority
/// write that skips what is queued, and errors that name the port and say why.
///
/// Real ports are opened through libserialport; a pseudo-terminal (`PortPath`) with
/// plain termios. Either way the port is 8N1 without flow control at the profile's
/// baud rate, with DTR and RTS as the profile says (off by default), non-blocking, and
/// locked against a second knead.
///
/// Threads: `write` and `writePriority` may be called from any thread (they take a
/// lock, so bytes of two writes never interleave); `waitForInput` and `read` belong to
/// one reader thread; `close` after that thread has ended.
public final class SerialPort: @unchecked Sendable {
    public let path: String
    public let settings: SerialSettings
    /// `libserialport` or `termios`.
    public let backend: SerialBackendChoice
    public let kind: PortPath.Kind
    private let channel: any SerialChannel
    private let writeLock = Mutex<Void>(())
    private let closed = Atomic<Bool>(false)

    /// Opens `path`. Failures are `BackendError.refused` with a message a person can act
    /// on (missing, busy, permission, the console, not a serial port).
    public static func open(_ path: String, settings: SerialSettings = SerialSettings(),
                            choice: SerialBackendChoice = .auto) throws(BackendError) -> SerialPort {
        let location = PortPath(path)
        switch location.kind {
        case .missing:
            throw .refused("no serial port at \(path): no such file (run 'knead devices' to list the ports, "
                           + "or check the path 'knead sim' printed)")
        case .notADevice:
            throw .refused("\(path) is not a serial port: it is \(location.fileType ?? "not a device")")
        case .serialDevice, .pseudoTerminal:
            break
        }
        if let reason = location.neverOpenReason() {
            throw .refused(reason + "; give the port of your device (run 'knead devices' to list them)")
        }
        guard BaudRates.speed(settings.baud) != nil else {
            throw .refused("\(settings.baud) baud is not a rate the serial port can be set to: use a standard rate "
                           + "such as 115200 in the profile's connection")
        }
        let backend: SerialBackendChoice
        switch choice {
        case .auto: backend = location.kind == .pseudoTerminal ? .termios : .libserialport
        case .libserialport, .termios: backend = choice
        }
        let channel: any SerialChannel
        do throws(SerialOpenFailure) {
            switch backend {
            case .termios: channel = try TermiosChannel(path: path, baud: settings.baud)
            default: channel = try LibSerialPortChannel(path: path, settings: settings)
            }
        } catch {
            throw .refused(SerialErrors.openMessage(error, path: path, kind: location.kind, backend: backend))
        }
        if let code = channel.lockExclusively() {
            channel.close()
            throw .refused(SerialErrors.openMessage(SerialOpenFailure(step: .lock, code: code), path: path,
                                                    kind: location.kind, backend: backend))
        }
        return SerialPort(path: path, settings: settings, backend: backend, kind: location.kind, channel: channel)
    }

    private init(path: String, settings: SerialSettings, backend: SerialBackendChoice, kind: PortPath.Kind,
                 channel: any SerialChannel) {
        self.path = path
        self.settings = settings
        self.backend = backend
        self.kind = kind
        self.channel = channel
    }

    deinit { close() }

    public var fileDescriptor: Int32 { channel.fileDescriptor }

    // MARK: Writing

    /// Hands every byte to the OS, waiting (poll) for room until the write timeout. A
    /// port that is gone or does not take the bytes in time is `.disconnected`.
    public func write(_ bytes: some Collection<UInt8>) throws(BackendError) {
        try writeLock.withLock { _ throws(BackendError) in
            try writeAll(Array(bytes))
        }
    }

    /// The priority path: throws away what the OS has queued and not yet sent, then
    /// writes `bytes` ahead of anything else. The bytes of a write in progress on another
    /// thread finish first (they hold the lock); what they queued is then discarded.
    public func writePriority(_ bytes: some Collection<UInt8>) throws(BackendError) {
        try writeLock.withLock { _ throws(BackendError) in
            guard !closed.load(ordering: .acquiring) else { throw .disconnected("\(path): the port is closed") }
            channel.discardOutput()
            try writeAll(Array(bytes))
        }
    }

    private func writeAll(_ bytes: [UInt8]) throws(BackendError) {
        guard !closed.load(ordering: .acquiring) else { throw .disconnected("\(path): the port is closed") }
        var offset = 0
        let deadline = monotonicNanoseconds() &+ UInt64(max(0, settings.writeTimeout) * 1e9)
        while offset < bytes.count {
            let result = bytes.withUnsafeBytes { buffer in
                channel.writeSome(UnsafeRawBufferPointer(rebasing: buffer[offset...]))
            }
            switch result {
            case let .failure(code):
                throw .disconnected(SerialErrors.failureMessage(path: path, code: code, while: "writing"))
            case let .count(written) where written > 0:
                offset += written
                continue
            case .count:
                break
            }
            let now = monotonicNanoseconds()
            guard now < deadline else {
                throw .disconnected("\(path): only \(offset) of \(bytes.count) bytes went out within "
                                    + "\(Int((settings.writeTimeout * 1000).rounded())) ms (the device stopped taking data)")
            }
            var poller = pollfd(fd: channel.fileDescriptor, events: Int16(POLLOUT), revents: 0)
            let waitMilliseconds = Int32(max(1, min(1000, (deadline - now + 999_999) / 1_000_000)))
            if poll(&poller, 1, waitMilliseconds) > 0, poller.revents & Int16(POLLHUP | POLLERR | POLLNVAL) != 0,
               poller.revents & Int16(POLLOUT) == 0 {
                throw .disconnected(SerialErrors.hangupMessage(path: path, kind: kind))
            }
        }
    }

    /// Waits until what was written has left (or `timeout` seconds pass). Best effort.
    public func drainOutput(timeout: Double) {
        let deadline = monotonicNanoseconds() &+ UInt64(max(0, timeout) * 1e9)
        while monotonicNanoseconds() < deadline {
            guard let waiting = channel.outputWaiting(), waiting > 0 else { return }
            usleep(1000)
        }
    }

    // MARK: Reading (one reader thread)

    public enum Readiness: Equatable, Sendable {
        case readable
        case timedOut
        /// `wakeDescriptor` became readable.
        case woken
    }

    /// Waits up to `timeout` nanoseconds for bytes (or a hang-up, which `read` then
    /// reports), or for `wakeDescriptor`.
    public func waitForInput(timeout: UInt64, wakeDescriptor: Int32 = -1) -> Readiness {
        var pollers = [pollfd(fd: channel.fileDescriptor, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: wakeDescriptor, events: Int16(POLLIN), revents: 0)]
        let milliseconds = Int32(min(1000, (timeout + 999_999) / 1_000_000))
        let ready = poll(&pollers, wakeDescriptor >= 0 ? 2 : 1, milliseconds)
        guard ready > 0 else { return .timedOut }
        if pollers[0].revents != 0 { return .readable }
        return .woken
    }

    /// Takes what has arrived (possibly nothing). A port that hung up or failed is
    /// `.disconnected`; call after `waitForInput` said `.readable`.
    public func read(into buffer: inout [UInt8], afterReadable: Bool = true) throws(BackendError) -> Int {
        let result = buffer.withUnsafeMutableBytes { channel.readSome($0) }
        switch result {
        case let .count(count) where count > 0:
            return count
        case .count:
            guard afterReadable else { return 0 }
            // Readable with nothing to read: end of file, the other end is gone. (A
            // spurious wakeup is possible only with EAGAIN, which reads as 0 too, so
            // confirm with a zero-timeout poll for a hang-up.)
            var poller = pollfd(fd: channel.fileDescriptor, events: Int16(POLLIN), revents: 0)
            if poll(&poller, 1, 0) > 0, poller.revents & Int16(POLLHUP | POLLERR | POLLNVAL) != 0 {
                throw .disconnected(SerialErrors.hangupMessage(path: path, kind: kind))
            }
            return 0
        case let .failure(code):
            throw .disconnected(SerialErrors.failureMessage(path: path, code: code, while: "reading"))
        }
    }

    // MARK: Closing

    /// Closes the port (idempotent). Readers must have stopped.
    public func close() {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        writeLock.withLock { _ in channel.close() }
    }

    public var isClosed: Bool { closed.load(ordering: .acquiring) }
}
