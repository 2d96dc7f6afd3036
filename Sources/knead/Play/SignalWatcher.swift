import Dispatch
import Glibc
import Synchronization

/// Turns SIGINT, SIGTERM and SIGHUP into a stop, outside any signal handler: the
/// signals' default actions are replaced by dispatch sources, whose handlers run on an
/// ordinary thread where calling the engine's stop is safe (nothing runs in a raw
/// handler, so async-signal safety is not an issue).
///
/// The first signal calls `onStop` at once. Another one while the player is still
/// winding down calls `onForce` (the person means it: leave now).
final class SignalWatcher {
    static let watched: [Int32] = [SIGINT, SIGTERM, SIGHUP]

    private let sources: [any DispatchSourceSignal]
    private let latch: Latch

    private final class Latch: Sendable {
        let received = Atomic<Int32>(0)
    }

    /// - Parameters:
    ///   - onStop: called once, with the first signal, from a dispatch thread.
    ///   - onForce: called for each later signal.
    init(onStop: @escaping @Sendable (Int32) -> Void, onForce: @escaping @Sendable (Int32) -> Void) {
        // A reader that went away must not kill the player before the device is at zero.
        signal(SIGPIPE, SIG_IGN)
        let queue = DispatchQueue(label: "knead.play.signals")
        let latch = Latch()
        self.latch = latch
        sources = Self.watched.map { signalNumber in
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: queue)
            source.setEventHandler {
                let (first, _) = latch.received.compareExchange(expected: 0, desired: signalNumber, ordering: .sequentiallyConsistent)
                if first { onStop(signalNumber) } else { onForce(signalNumber) }
            }
            source.resume()
            return source
        }
    }

    /// The first signal received, if any.
    var firstSignal: Int32? {
        let value = latch.received.load(ordering: .sequentiallyConsistent)
        return value == 0 ? nil : value
    }

    // The sources stay until the process ends: a signal during the summary is ignored
    // rather than cutting it short, as the device is already at zero by then.
}
