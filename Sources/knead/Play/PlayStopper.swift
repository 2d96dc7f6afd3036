import Glibc
import KneadEngine
import Synchronization

/// Asks the engine to stop (its priority path: the device is told at once) and
/// remembers what asked first, for the way out and its exit code. Signals can come
/// before the engine exists; the engine is then stopped as soon as it is attached,
/// so its run stops at its beginning.
final class PlayStopper: Sendable {
    private struct State {
        var engine: Engine?
        var signal: Int32?
        var key: PlayOutcome.PersonStop?
        /// CLOCK_MONOTONIC nanoseconds just before the engine was asked to stop for a signal.
        var signalRequestedAt: UInt64?
    }
    private let state = Mutex(State())

    func attach(_ engine: Engine) {
        let pending = state.withLock { state -> StopCause? in
            state.engine = engine
            if state.signal != nil {
                state.signalRequestedAt = Self.monotonicNow()
                return .signal
            }
            if state.key != nil { return .key }
            return nil
        }
        if let pending { engine.requestStop(pending) }
    }

    /// From the stop thread (`SignalWatcher`): a signal or a key posted to it.
    func stop(_ stop: SignalWatcher.Stop) {
        let engine = state.withLock { state -> Engine? in
            if state.signal == nil && state.key == nil {
                switch stop {
                case let .signal(number):
                    state.signal = number
                    if state.engine != nil { state.signalRequestedAt = Self.monotonicNow() }
                case let .key(key): state.key = key
                }
            }
            return state.engine
        }
        switch stop {
        case .signal: engine?.requestStop(.signal)
        case .key: engine?.requestStop(.key)
        }
    }

    /// Real seconds from the first signal's arrival (stamped in its handler) to the
    /// moment the engine was asked to stop for it: the handler, the pipe, the stop
    /// thread's wakeup and, for a signal before the engine existed, the wait for it.
    /// Nil when no signal stopped the play (a key, the end, an error came first).
    var signalToRequestSeconds: Double? {
        state.withLock { state in
            guard state.key == nil, state.signal != nil, let requested = state.signalRequestedAt,
                  let arrived = SignalWatcher.firstSignalArrival else { return nil }
            return requested >= arrived ? Double(requested - arrived) / 1e9 : 0
        }
    }

    private static func monotonicNow() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) &* 1_000_000_000 &+ UInt64(now.tv_nsec)
    }

    var isRequested: Bool { state.withLock { $0.signal != nil || $0.key != nil } }

    /// How a stopped run ended, by what asked first.
    var outcome: PlayOutcome {
        state.withLock { state in
            if let key = state.key { return .interrupted(by: key) }
            switch state.signal ?? SIGINT {
            case SIGINT: return .interrupted(by: .controlC)
            case let other: return .terminated(signal: other)
            }
        }
    }
}
