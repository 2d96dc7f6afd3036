import KneadCore
import KneadEngine
import KneadSystem

/// Turns stop requests into what the device gets, and remembers what asked first (the
/// way out and its exit code).
///
/// A ramping stop asks the envelope to ramp to zero; the frames then end at zero and
/// the engine's run ends by itself, after which the player stops and closes the device.
/// An immediate stop goes to the engine's priority path (`Engine.requestStop`): the
/// device is told at once, from the calling thread when the loop is asleep.
///
/// Requests can come before the engine exists (a signal during open); they are acted
/// on as soon as it is attached. Every method may be called from any thread; none waits
/// on I/O, and the lock is never held across a call into the engine or the device.
final class PlayStopper: Sendable {
    private struct State {
        var engine: Engine?
        /// The first request: it names the way out.
        var first: StopRequest?
        /// Set once any request asked for the device to stop at once.
        var immediate = false
        var immediateSent = false
        /// CLOCK_MONOTONIC nanoseconds when the first signal's stop was acted on.
        var signalActedAt: UInt64?
    }
    private let state = Locked(State())
    private let envelope: SafetyEnvelope

    init(envelope: SafetyEnvelope) {
        self.envelope = envelope
    }

    func attach(_ engine: Engine) {
        let immediate = state.withLock { state -> StopCause? in
            state.engine = engine
            guard let first = state.first else { return nil }
            if case .signal = first { state.signalActedAt = state.signalActedAt ?? MonotonicTime.nanoseconds() }
            guard state.immediate, !state.immediateSent else { return nil }
            state.immediateSent = true
            return Self.cause(of: first)
        }
        if let immediate { engine.requestStop(immediate) }
    }

    /// Acts on a request. Returns true when it was the first.
    @discardableResult
    func request(_ request: StopRequest) -> Bool {
        let (isFirst, engine, cause) = state.withLock { state -> (Bool, Engine?, StopCause?) in
            let isFirst = state.first == nil
            if isFirst { state.first = request }
            if case .signal = request, isFirst, state.engine != nil { state.signalActedAt = MonotonicTime.nanoseconds() }
            guard !request.ramps else { return (isFirst, state.engine, nil) }
            state.immediate = true
            guard let engine = state.engine, !state.immediateSent else { return (isFirst, nil, nil) }
            state.immediateSent = true
            return (isFirst, engine, Self.cause(of: state.first ?? request))
        }
        // The ramp first: even a request that also stops at once leaves the frames at zero.
        envelope.stop()
        if let engine, let cause { engine.requestStop(cause) }
        return isFirst
    }

    /// Stops the device at once through the engine (a ramp that did not finish in time).
    func escalate() {
        let (engine, cause) = state.withLock { state -> (Engine?, StopCause?) in
            guard let engine = state.engine, !state.immediateSent, let first = state.first else { return (nil, nil) }
            state.immediate = true
            state.immediateSent = true
            return (engine, Self.cause(of: first))
        }
        if let engine, let cause { engine.requestStop(cause) }
    }

    private static func cause(of request: StopRequest) -> StopCause {
        switch request {
        case .key: return .key
        case .signal, .force: return .signal
        case .outputLost: return .user
        }
    }

    var isRequested: Bool { state.withLock { $0.first != nil } }

    /// How the device was brought down: nil when nothing asked for a stop.
    var kind: StopKind? {
        state.withLock { state in state.first == nil ? nil : (state.immediate ? .immediate : .ramp) }
    }

    /// Real seconds from the first signal's arrival (stamped in its handler) to the
    /// moment the stop was acted on: the handler, the pipe, the stop thread's wakeup and,
    /// for a signal before the engine existed, the wait for it. Nil when no signal came first.
    var signalToRequestSeconds: Double? {
        state.withLock { state in
            guard case .signal = state.first, let acted = state.signalActedAt,
                  let arrived = SignalWatcher.firstSignalArrival else { return nil }
            return acted >= arrived ? Double(acted - arrived) / 1e9 : 0
        }
    }

    /// How a stopped play ended, by what asked first; nil when nothing asked.
    var outcome: PlayOutcome? {
        state.withLock { state in
            switch state.first {
            case nil: return nil
            case let .key(key): return .interrupted(by: key)
            case let .signal(number), let .force(number):
                return number == Signals.interrupt ? .interrupted(by: .controlC) : .terminated(signal: number)
            case let .outputLost(reason): return .outputLost(reason)
            }
        }
    }
}
