import KneadEngine
import KneadSystem
import Synchronization

/// An open serial port: writes with a deadline, reads that never block, a stop write
/// that never waits behind another write, and errors that name the port and say why.
///
/// Real ports are opened through libserialport; a pseudo-terminal (`PortPath`) with
/// plain termios. Either way the port is 8N1 without flow control at the profile's
/// baud rate, with DTR and RTS as the profile says (off by default), non-blocking, and
/// locked against a second knead.
///
/// Threads: `write` may be called from any thread; writers queue on `writeLock`, which
/// is held while a writer waits for room. `writeStop` never takes that lock: the only
/// lock it shares with writers (`syscallLock`) is held around non-blocking calls
/// alone, so a stop reaches the OS while a writer is blocked on a full line, and the
/// writer, woken through `wake`, gives up what it had left. `waitForInput` and `read`
/// belong to one reader thread; `close` after that thread has ended.
package final class SerialPort: @unchecked Sendable {
    package let path: String
    package let settings: SerialSettings
    /// `libserialport` or `termios`.
    package let backend: SerialBackendChoice
    package let kind: PortPath.Kind
    private let channel: any SerialChannel
    /// Orders writers; held across their waits for room, never needed by `writeStop`.
    private let writeLock = Locked<Void>(())
    /// Around single non-blocking calls only (write, flush), so a stop's bytes and a
    /// writer's never interleave and a writer never writes after a stop it has not seen.
    private let syscallLock = Locked<WriteInFlight>(WriteInFlight())
    /// Counts stops; a writer that sees it move gives up its remaining bytes.
    private let stops = Atomic<UInt64>(0)
    /// Writers blocked waiting for room or pacing (tests wait on this, not on a clock).
    private let waitingWriters = Atomic<Int>(0)
    private let closed = Atomic<Bool>(false)
    private let wake: WakePipe
    /// Monotonic nanoseconds when the last paced write has crossed the line (`write(paced:)`).
    private var lineFreeAt: UInt64 = 0

    /// What the writer holding `writeLock` has handed to the OS of its current bytes: a
    /// stop that must not cut a line finishes the line from here.
    private struct WriteInFlight {
        var unsent: [UInt8] = []
    }

    /// How a stop treats output the OS holds and a write cut short.
    package enum StopDiscipline: Sendable {
        /// Throw away what the OS has queued (`tcflush(TCOFLUSH)`): for framed protocols
        /// whose receiver resynchronises on a delimiter and checks a CRC.
        case discardQueued
        /// Keep what the OS has queued and first finish the line a writer was cut in:
        /// for line protocols where a cut line ended by the stop's newline would run.
        case finishLine
    }

    /// Opens `path`. Failures are `BackendError.refused` with a message a person can act
    /// on (missing, busy, permission, the console, not a serial port).
    package static func open(_ path: String, settings: SerialSettings = SerialSettings(),
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
        guard BaudRate.termiosSpeed(settings.baud) != nil else {
            throw .refused("\(settings.baud) baud is not a rate the serial port can be set to: use a standard rate "
                           + "such as 115200 in the profile's connection")
        }
        let backend: SerialBackendChoice
        switch choice {
        case .auto: backend = location.kind == .pseudoTerminal ? .termios : .libserialport
        case .libserialport, .termios: backend = choice
        }
        guard let wake = WakePipe() else {
            throw .refused("\(path): no file descriptors left (for the port's wake pipe)")
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
        return SerialPort(path: path, settings: settings, backend: backend, kind: location.kind, channel: channel,
                          wake: wake)
    }

    private init(path: String, settings: SerialSettings, backend: SerialBackendChoice, kind: PortPath.Kind,
                 channel: any SerialChannel, wake: WakePipe) {
        self.path = path
        self.settings = settings
        self.backend = backend
        self.kind = kind
        self.channel = channel
        self.wake = wake
    }

    deinit { close() }

    package var fileDescriptor: Int32 { channel.fileDescriptor }

    /// Writers waiting for room on the line or for their pacing slot right now.
    package var writersWaiting: Int { waitingWriters.load(ordering: .acquiring) }

    // MARK: Writing

    /// What became of a write.
    package enum WriteOutcome: Equatable, Sendable {
        case written
        /// A stop came first; the bytes not yet handed over were dropped.
        case preemptedByStop
    }

    /// Hands every byte to the OS, waiting (poll) for room until the write timeout. A
    /// port that is gone or does not take the bytes in time is `.disconnected`; a stop
    /// meanwhile ends the write early (`.preemptedByStop`).
    ///
    /// `paced`: the bytes are not handed over before the previous paced write would have
    /// crossed the line at the port's baud rate, so the OS holds at most one of them
    /// and a stop can let that one finish instead of cutting it.
    @discardableResult
    package func write(_ bytes: some Collection<UInt8>, paced: Bool = false) throws(BackendError) -> WriteOutcome {
        let array = Array(bytes)
        return try write(paced: paced) { array }
    }

    /// As `write(_:paced:)`, with the bytes made by `produce` once this writer's turn has
    /// come: writers' bytes reach the OS in the order they were produced, and nothing
    /// that produces them waits on the line while holding a lock of its own.
    @discardableResult
    package func write(paced: Bool = false, _ produce: () -> [UInt8]) throws(BackendError) -> WriteOutcome {
        try writeLock.withLock { _ throws(BackendError) -> WriteOutcome in
            let epoch = stops.load(ordering: .acquiring)
            let bytes = produce()
            guard !bytes.isEmpty else { return .written }
            if paced {
                let now = MonotonicTime.nanoseconds()
                if lineFreeAt > now, !wait(until: lineFreeAt, epoch: epoch, events: []) { return .preemptedByStop }
                let crossing = UInt64(Double(bytes.count) * 10 / Double(max(1, settings.baud)) * 1e9)
                lineFreeAt = max(lineFreeAt, MonotonicTime.nanoseconds()) &+ crossing
            }
            return try writeAll(bytes, epoch: epoch)
        }
    }

    /// The stop path, from any thread, never behind a writer: wakes and cuts short any
    /// write in progress, treats what the OS holds as `discipline` says, and hands
    /// `bytes` to the OS.
    package func writeStop(_ bytes: [UInt8], discipline: StopDiscipline) throws(BackendError) {
        guard !closed.load(ordering: .acquiring) else { throw .disconnected("\(path): the port is closed") }
        stops.add(1, ordering: .acquiringAndReleasing)
        // The waiting writer is woken after the stop's bytes are out: it may run at a
        // higher priority (the engine's) and would otherwise take the core first.
        defer { wake.wake() }
        var remaining = bytes[...]
        var first = true
        let deadline = MonotonicTime.nanoseconds() &+ UInt64(max(0, settings.writeTimeout) * 1e9)
        while true {
            let result = syscallLock.withLock { inFlight -> IOResult in
                var toWrite = Array(remaining)
                if first {
                    first = false
                    switch discipline {
                    case .discardQueued:
                        channel.discardOutput()
                    case .finishLine:
                        if let newline = inFlight.unsent.firstIndex(of: UInt8(ascii: "\n")) {
                            toWrite = Array(inFlight.unsent[...newline]) + toWrite
                        }
                    }
                    inFlight.unsent = []
                    remaining = toWrite[...]
                }
                return toWrite.withUnsafeBytes { channel.writeSome($0) }
            }
            switch result {
            case let .failure(code):
                throw .disconnected(SerialErrors.failureMessage(path: path, code: code, while: "writing the stop"))
            case let .count(written):
                remaining = remaining.dropFirst(written)
            }
            if remaining.isEmpty { return }
            // Only when the line kept no room even for the stop (a line protocol with a
            // full OS buffer): wait for room without holding anything a writer needs.
            wake.wake()
            guard MonotonicTime.nanoseconds() < deadline else {
                throw .disconnected("\(path): the stop did not go out within "
                                    + "\(Int((settings.writeTimeout * 1000).rounded())) ms (the device stopped taking data)")
            }
            _ = Poll.wait(for: .writable, on: channel.fileDescriptor, timeoutMilliseconds: 1)
        }
    }

    /// Under `writeLock`. Hands `bytes` over in non-blocking writes, each checked
    /// against the stop count under `syscallLock`.
    private func writeAll(_ bytes: [UInt8], epoch: UInt64) throws(BackendError) -> WriteOutcome {
        guard !closed.load(ordering: .acquiring) else { throw .disconnected("\(path): the port is closed") }
        var offset = 0
        let deadline = MonotonicTime.nanoseconds() &+ UInt64(max(0, settings.writeTimeout) * 1e9)
        while offset < bytes.count {
            let result = syscallLock.withLock { inFlight -> IOResult? in
                // A stop that already went out took over the cut line (if any); nothing
                // of this write may follow its bytes. `unsent` is left for the stop to
                // take, never cleared here: a writer woken by a stop may get here first.
                guard stops.load(ordering: .acquiring) == epoch else { return nil }
                let result = bytes.withUnsafeBytes { buffer in
                    channel.writeSome(UnsafeRawBufferPointer(rebasing: buffer[offset...]))
                }
                if case let .count(written) = result, offset + written > 0 {
                    let cut = bytes[offset + written - 1] != UInt8(ascii: "\n")
                    inFlight.unsent = cut ? Array(bytes[(offset + written)...]) : []
                }
                return result
            }
            switch result {
            case nil:
                return .preemptedByStop
            case let .failure(code)?:
                throw .disconnected(SerialErrors.failureMessage(path: path, code: code, while: "writing"))
            case let .count(written)? where written > 0:
                offset += written
                continue
            case .count?:
                break
            }
            let now = MonotonicTime.nanoseconds()
            guard now < deadline else {
                throw .disconnected("\(path): only \(offset) of \(bytes.count) bytes went out within "
                                    + "\(Int((settings.writeTimeout * 1000).rounded())) ms (the device stopped taking data)")
            }
            if !wait(until: deadline, epoch: epoch, events: .writable) { return .preemptedByStop }
        }
        return .written
    }

    /// Sleeps in poll until `deadline`, room on the port (`events` POLLOUT) or a stop.
    /// False when a stop came. A hang-up is thrown by the next write, not here.
    private func wait(until deadline: UInt64, epoch: UInt64, events: Poll.Events) -> Bool {
        waitingWriters.add(1, ordering: .acquiringAndReleasing)
        defer { waitingWriters.subtract(1, ordering: .acquiringAndReleasing) }
        while stops.load(ordering: .acquiring) == epoch {
            let now = MonotonicTime.nanoseconds()
            guard now < deadline else { return true }
            // Without events, only the wake pipe is watched (the port is skipped).
            let milliseconds = Int32(max(1, min(1000, (deadline - now + 999_999) / 1_000_000)))
            let outcome = Poll.wait([Poll.Request(wake.readEnd, .readable),
                                     Poll.Request(events.isEmpty ? -1 : channel.fileDescriptor, events)],
                                    timeoutMilliseconds: milliseconds)
            guard case let .ready(got) = outcome else { continue }
            if !got[0].isEmpty { wake.drain() }
            if !got[1].isEmpty { return true }
        }
        return false
    }

    /// Waits until what was written has left (or `timeout` seconds pass). Best effort.
    package func drainOutput(timeout: Double) {
        let deadline = MonotonicTime.nanoseconds() &+ UInt64(max(0, timeout) * 1e9)
        while MonotonicTime.nanoseconds() < deadline {
            guard let waiting = channel.outputWaiting(), waiting > 0 else { return }
            ThreadPause.sleep(microseconds: 1000)
        }
    }

    // MARK: Reading (one reader thread)

    package enum Readiness: Equatable, Sendable {
        case readable
        case timedOut
        /// `wakeDescriptor` became readable.
        case woken
    }

    /// Waits up to `timeout` nanoseconds for bytes (or a hang-up, which `read` then
    /// reports), or for `wakeDescriptor`.
    package func waitForInput(timeout: UInt64, wakeDescriptor: Int32 = -1) -> Readiness {
        let milliseconds = Int32(min(1000, (timeout + 999_999) / 1_000_000))
        let outcome = Poll.wait([Poll.Request(channel.fileDescriptor, .readable), Poll.Request(wakeDescriptor, .readable)],
                                timeoutMilliseconds: milliseconds)
        guard case let .ready(got) = outcome else { return .timedOut }
        return got[0].isEmpty ? .woken : .readable
    }

    /// Takes what has arrived (possibly nothing). A port that hung up or failed is
    /// `.disconnected`; call after `waitForInput` said `.readable`.
    package func read(into buffer: inout [UInt8], afterReadable: Bool = true) throws(BackendError) -> Int {
        let result = buffer.withUnsafeMutableBytes { channel.readSome($0) }
        switch result {
        case let .count(count) where count > 0:
            return count
        case .count:
            guard afterReadable else { return 0 }
            // Readable with nothing to read: end of file, the other end is gone. (A
            // spurious wakeup is possible only with EAGAIN, which reads as 0 too, so
            // confirm with a zero-timeout poll for a hang-up.)
            if !Poll.wait(for: .readable, on: channel.fileDescriptor, timeoutMilliseconds: 0).isDisjoint(with: .closed) {
                throw .disconnected(SerialErrors.hangupMessage(path: path, kind: kind))
            }
            return 0
        case let .failure(code):
            throw .disconnected(SerialErrors.failureMessage(path: path, code: code, while: "reading"))
        }
    }

    // MARK: Closing

    /// Closes the port (idempotent). Readers must have stopped.
    package func close() {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        // A writer waiting for room gives up now rather than at its timeout.
        stops.add(1, ordering: .acquiringAndReleasing)
        wake.wake()
        writeLock.withLock { _ in syscallLock.withLock { _ in channel.close() } }
    }

    package var isClosed: Bool { closed.load(ordering: .acquiring) }
}
