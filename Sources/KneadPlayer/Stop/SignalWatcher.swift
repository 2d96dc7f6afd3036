import Foundation
import Glibc  // the signal handler: sigaction, and only async-signal-safe calls in it
import KneadSystem
import Synchronization

/// The one thread that stops the play: it turns SIGINT, SIGTERM, SIGHUP, SIGQUIT and
/// the stop keys into the player's stop requests.
///
/// Signals: the handler only writes the signal's number to a pipe (write is
/// async-signal-safe; nothing else happens in it) and this thread reads the pipe.
/// `sigaction` takes effect at once, so no signal is lost between "ignore the
/// default" and "start listening" — which a dispatch signal source on Linux allows:
/// it registers on its manager thread a moment after `resume()`, and a Ctrl-C in
/// that moment was measured to be dropped.
///
/// Keys: the key reader posts q and Esc to the same pipe, so every stop is requested
/// from this thread. It runs at a real-time priority one above the engine's loop
/// (where permitted), so a loop that is busy or spinning at its own real-time
/// priority cannot delay the stop reaching the device.
///
/// Every stop calls `onStop` with how many came before it: the first ramps the device
/// down, a second signal stops it at once (the person means it: leave now).
///
/// SIGQUIT (Ctrl-\\) is a way out like SIGTERM: left to its default it would reach
/// the Swift runtime's crash handler, which can stop every thread in an interactive
/// prompt with the device at its last setpoint.
public final class SignalWatcher: Sendable {
    public static let watched: [Int32] = [SIGINT, SIGTERM, SIGHUP, SIGQUIT]

    public enum Stop: Sendable, Equatable {
        case signal(Int32)
        case key(PlayOutcome.PersonStop)
    }

    private let stops = Atomic<Int>(0)
    private let writeEnd: Int32

    /// - Parameters:
    ///   - priority: SCHED_FIFO priority for this thread; nil for normal scheduling.
    ///   - onStop: called for each stop with the number of stops before it (0 for the
    ///     first), from the watcher thread.
    public init(priority: Int32?, onStop: @escaping @Sendable (_ stop: Stop, _ earlier: Int) -> Void) {
        // A reader that went away must not kill the player before the device is at zero,
        // and a player suspended by Ctrl-Z could not stop it at all.
        signal(SIGPIPE, SIG_IGN)
        signal(SIGTSTP, SIG_IGN)
        let (readEnd, writeEnd) = SignalPipe.open()
        self.writeEnd = writeEnd
        let thread = Thread { [self] in
            if let priority { _ = RealtimeScheduling.setFIFO(priority: priority) }  // quietly normal if refused
            while true {
                var byte: UInt8 = 0
                let count = read(readEnd, &byte, 1)
                if count < 0 && (errno == EINTR || errno == EAGAIN) {
                    // The pipe never blocks (a handler must not wait on it): wait here.
                    var descriptor = pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0)
                    _ = poll(&descriptor, 1, -1)
                    continue
                }
                guard count == 1, let stop = Self.decode(byte) else { return }
                let earlier = stops.add(1, ordering: .sequentiallyConsistent).newValue - 1
                onStop(stop, earlier)
            }
        }
        thread.name = "knead-stop"
        thread.start()
        for signalNumber in Self.watched { SignalPipe.install(for: signalNumber) }
        // A parent may have started us with these signals blocked (the mask is
        // inherited): they would stay pending and never stop anything.
        var unblock = sigset_t()
        sigemptyset(&unblock)
        for signalNumber in Self.watched { sigaddset(&unblock, signalNumber) }
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
    }

    /// Asks for a stop from a key (q, Esc); returns at once.
    public func post(_ key: PlayOutcome.PersonStop) {
        var byte = Self.encode(key)
        _ = write(writeEnd, &byte, 1)
    }

    // Signals are 1…64; keys are above.
    private static func encode(_ key: PlayOutcome.PersonStop) -> UInt8 {
        switch key {
        case .quitKey: return 0xF1
        case .escapeKey: return 0xF2
        case .controlC: return 0xF3
        }
    }

    private static func decode(_ byte: UInt8) -> Stop? {
        switch byte {
        case 0xF1: return .key(.quitKey)
        case 0xF2: return .key(.escapeKey)
        case 0xF3: return .key(.controlC)
        case 1...64: return .signal(Int32(byte))
        default: return nil
        }
    }

    // The handlers stay until the process ends: a signal during the summary only
    // reaches the pipe, as the device is already at zero by then.

    /// When the first watched signal arrived, on CLOCK_MONOTONIC (nanoseconds), as the
    /// handler stamped it; nil before any. Measures the stop from the signal itself,
    /// including the handler, the pipe and this thread's wakeup.
    public static var firstSignalArrival: UInt64? {
        let time = signalArrivedAt.load(ordering: .acquiring)
        return time == 0 ? nil : time
    }
}

/// The self-pipe between the signal handler (and the key reader) and the stop thread.
private enum SignalPipe {
    /// Opens the pipe (once per process) and returns its ends.
    static func open() -> (read: Int32, write: Int32) {
        if writeEnd.load(ordering: .acquiring) >= 0 {
            return (readEnd.load(ordering: .acquiring), writeEnd.load(ordering: .acquiring))
        }
        // A full pipe must never block the handler: the signal is dropped instead
        // (the first one is what matters, and it is already in the pipe). The pipe lives
        // as long as the process: handlers stay installed to the end.
        guard let pipe = WakePipe() else { return (-1, -1) }
        signalPipe = pipe
        readEnd.store(pipe.readEnd, ordering: .releasing)
        writeEnd.store(pipe.writeEnd, ordering: .releasing)
        return (pipe.readEnd, pipe.writeEnd)
    }

    static func install(for signalNumber: Int32) {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = signalHandler
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART
        sigaction(signalNumber, &action, nil)
    }
}

// Atomics, set before any handler is installed; the handler only loads one.
nonisolated(unsafe) private var signalPipe: WakePipe?
private let readEnd = Atomic<Int32>(-1)
private let writeEnd = Atomic<Int32>(-1)
/// CLOCK_MONOTONIC nanoseconds of the first signal's arrival (0: none yet). A lock-free
/// atomic in static storage, so the handler neither allocates nor locks to set it.
private let signalArrivedAt = Atomic<UInt64>(0)

/// Async-signal-safe: clock_gettime, atomic operations and one write(2); errno is kept
/// for the thread the signal interrupted. The arrival is stamped before the write, so
/// the stop thread (woken by the write) always sees it.
private func signalHandler(_ signalNumber: Int32) {
    let savedErrno = errno
    let stamp = max(1, MonotonicTime.nanoseconds())
    _ = signalArrivedAt.compareExchange(expected: 0, desired: stamp, ordering: .releasing)
    var byte = UInt8(truncatingIfNeeded: signalNumber)
    _ = write(writeEnd.load(ordering: .relaxed), &byte, 1)
    errno = savedErrno
}
