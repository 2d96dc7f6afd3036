import Foundation
import Glibc
import Synchronization

/// Turns SIGINT, SIGTERM and SIGHUP into a stop, outside the signal handler.
///
/// The handler only writes the signal's number to a pipe (write is async-signal-safe;
/// nothing else happens in it); a watcher thread reads the pipe and calls `onStop`,
/// where calling the engine's stop is safe. `sigaction` takes effect at once, so no
/// signal is lost between "ignore the default" and "start listening" — which a
/// dispatch signal source on Linux does allow: it registers on its manager thread a
/// moment after `resume()`, and a Ctrl-C in that moment was measured to be dropped.
///
/// The first signal calls `onStop`. Another one while the player is still winding
/// down calls `onForce` (the person means it: leave now).
final class SignalWatcher: Sendable {
    static let watched: [Int32] = [SIGINT, SIGTERM, SIGHUP]

    private let first = Atomic<Int32>(0)

    /// - Parameters:
    ///   - onStop: called once, with the first signal, from the watcher thread.
    ///   - onForce: called for each later signal, from the watcher thread.
    init(onStop: @escaping @Sendable (Int32) -> Void, onForce: @escaping @Sendable (Int32) -> Void) {
        // A reader that went away must not kill the player before the device is at zero.
        signal(SIGPIPE, SIG_IGN)
        let readEnd = SignalPipe.open()
        let thread = Thread { [self] in
            while true {
                var byte: UInt8 = 0
                let count = read(readEnd, &byte, 1)
                if count < 0 && errno == EINTR { continue }
                guard count == 1 else { return }
                let signalNumber = Int32(byte)
                let (isFirst, _) = first.compareExchange(expected: 0, desired: signalNumber,
                                                         ordering: .sequentiallyConsistent)
                if isFirst { onStop(signalNumber) } else { onForce(signalNumber) }
            }
        }
        thread.name = "knead-signals"
        thread.start()
        for signalNumber in Self.watched { SignalPipe.install(for: signalNumber) }
        // A parent may have started us with these signals blocked (the mask is
        // inherited): they would stay pending and never stop anything.
        var unblock = sigset_t()
        sigemptyset(&unblock)
        for signalNumber in Self.watched { sigaddset(&unblock, signalNumber) }
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
    }

    /// The first signal received, if any.
    var firstSignal: Int32? {
        let value = first.load(ordering: .sequentiallyConsistent)
        return value == 0 ? nil : value
    }

    // The handlers stay until the process ends: a signal during the summary only
    // reaches the pipe, as the device is already at zero by then.
}

/// The self-pipe between the signal handler and the watcher thread.
private enum SignalPipe {
    /// Opens the pipe (once per process) and returns its read end.
    static func open() -> Int32 {
        if writeEnd.load(ordering: .acquiring) >= 0 { return readEnd.load(ordering: .acquiring) }
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { return -1 }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        // A full pipe must never block the handler: the signal is dropped instead
        // (the first one is what matters, and it is already in the pipe).
        _ = fcntl(ends[1], F_SETFL, fcntl(ends[1], F_GETFL) | O_NONBLOCK)
        readEnd.store(ends[0], ordering: .releasing)
        writeEnd.store(ends[1], ordering: .releasing)
        return ends[0]
    }

    static func install(for signalNumber: Int32) {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = signalHandler
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART
        sigaction(signalNumber, &action, nil)
    }
}

// Atomics, initialized before any handler is installed; the handler only loads one.
private let readEnd = Atomic<Int32>(-1)
private let writeEnd = Atomic<Int32>(-1)

/// Async-signal-safe: an atomic load and one write(2); errno is kept for the thread
/// the signal interrupted.
private func signalHandler(_ signalNumber: Int32) {
    let savedErrno = errno
    var byte = UInt8(truncatingIfNeeded: signalNumber)
    _ = write(writeEnd.load(ordering: .relaxed), &byte, 1)
    errno = savedErrno
}
