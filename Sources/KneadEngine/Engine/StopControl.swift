import KneadSystem
import Synchronization

/// The lock-free handshake between the engine's loop and whoever asks it to stop.
///
/// Guarantees, whatever the interleaving:
/// - `backend.stop()` is called exactly once per run that saw a stop or an error;
/// - no `send`, `flush` or `heartbeat` starts after a stop was requested, and
///   `stop()` never overlaps one of them, so backends need no locking of their own
///   between the engine's calls;
/// - when the loop is asleep (nearly always), the requesting thread calls
///   `backend.stop()` itself, at once; when the loop is inside a device call, the loop
///   calls `stop()` the moment that call returns — unless the backend's stop may
///   overlap its calls (`Backend.stopsDuringDeviceCalls`): then the requester calls it
///   at once there too, so a stop never waits behind a write blocked on a full line.
final class StopControl: Sendable {
    private enum Bit {
        static let running: UInt32 = 1 << 0
        static let inDeviceCall: UInt32 = 1 << 1
        static let requested: UInt32 = 1 << 2
        /// Someone has taken on calling `backend.stop()`.
        static let claimed: UInt32 = 1 << 3
        /// `backend.stop()` has returned.
        static let done: UInt32 = 1 << 4
        static let causeShift: UInt32 = 8
        static let causeMask: UInt32 = 0xFF << 8
    }

    /// Cause code for a stop the engine makes itself after a device error.
    static let deviceErrorCause: UInt8 = 0xFF

    private let state = Atomic<UInt32>(0)
    /// The backend's stop may run during a device call.
    private let stopOverlapsCalls: Bool
    private let requestedAt = Atomic<UInt64>(0)
    private let stopReturnedAt = Atomic<UInt64>(0)
    private let requesterStopError = Locked<BackendError?>(nil)

    enum Request {
        /// The caller must call `backend.stop()` now, then `stopReturned`.
        case callStopNow
        /// The loop is in a device call (or not running yet) and will call `stop()` itself.
        case loopWillStop
        /// A stop was already requested.
        case alreadyRequested
    }

    init(stopOverlapsCalls: Bool = false) {
        self.stopOverlapsCalls = stopOverlapsCalls
    }

    /// Records a stop request. The first request wins; its cause is the one reported.
    func request(cause: UInt8, at time: UInt64) -> Request {
        var old = state.load(ordering: .acquiring)
        while true {
            if old & Bit.requested != 0 { return .alreadyRequested }
            let callsNow = old & Bit.running != 0 && (old & Bit.inDeviceCall == 0 || stopOverlapsCalls)
            var new = old | Bit.requested | (UInt32(cause) << Bit.causeShift)
            if callsNow { new |= Bit.claimed }
            // The timestamp goes in before the request becomes visible, so whoever sees
            // the request also sees when it was made.
            _ = requestedAt.compareExchange(expected: 0, desired: max(time, 1), ordering: .relaxed)
            let (exchanged, current) = state.compareExchange(
                expected: old, desired: new, ordering: .acquiringAndReleasing)
            if exchanged { return callsNow ? .callStopNow : .loopWillStop }
            old = current
        }
    }

    /// The requester's `backend.stop()` returned (with `error` if it threw).
    func stopReturned(at time: UInt64, error: BackendError?) {
        if let error { requesterStopError.withLock { $0 = error } }
        stopReturnedAt.store(time, ordering: .relaxed)
        state.bitwiseOr(Bit.done, ordering: .releasing)
    }

    // MARK: - The loop's side

    /// Marks the run started. False if another run on this engine is in progress.
    func beginRun() -> Bool {
        var old = state.load(ordering: .acquiring)
        while true {
            if old & Bit.running != 0 { return false }
            let (exchanged, current) = state.compareExchange(
                expected: old, desired: old | Bit.running, ordering: .acquiringAndReleasing)
            if exchanged { return true }
            old = current
        }
    }

    var isStopRequested: Bool {
        state.load(ordering: .acquiring) & Bit.requested != 0
    }

    /// Enters a device call unless a stop was requested.
    @inline(__always)
    func beginDeviceCall() -> Bool {
        var old = state.load(ordering: .acquiring)
        while true {
            if old & Bit.requested != 0 { return false }
            let (exchanged, current) = state.compareExchange(
                expected: old, desired: old | Bit.inDeviceCall, ordering: .acquiringAndReleasing)
            if exchanged { return true }
            old = current
        }
    }

    /// Leaves a device call; true if a stop was requested during it.
    @inline(__always)
    func endDeviceCall() -> Bool {
        state.bitwiseAnd(~Bit.inDeviceCall, ordering: .acquiringAndReleasing).oldValue & Bit.requested != 0
    }

    enum LoopStop {
        /// The loop must call `backend.stop()` and then `stopReturned`.
        case callStop
        /// A requester is calling (or has called) `backend.stop()`; wait for `done`.
        case requesterStops
    }

    /// The loop is ending because of a stop request or an error: decides who calls
    /// `backend.stop()`. A request not yet made is made with `cause`.
    func claimForLoop(cause: UInt8, at time: UInt64) -> LoopStop {
        var old = state.load(ordering: .acquiring)
        while true {
            if old & Bit.claimed != 0 { return .requesterStops }
            var new = old | Bit.claimed
            if old & Bit.requested == 0 {
                new |= Bit.requested | (UInt32(cause) << Bit.causeShift)
                _ = requestedAt.compareExchange(expected: 0, desired: max(time, 1), ordering: .relaxed)
            }
            let (exchanged, current) = state.compareExchange(
                expected: old, desired: new, ordering: .acquiringAndReleasing)
            if exchanged { return .callStop }
            old = current
        }
    }

    /// Blocks until the requester's `backend.stop()` has returned. Requesters call it
    /// right after claiming, so this waits for one device call at most.
    ///
    /// Sleeps rather than `sched_yield()`: the loop runs SCHED_FIFO, and a real-time
    /// thread that yields never lets an ordinary-priority requester run on its core,
    /// which starved the requester's stop for 90–150 ms in a third of runs.
    func waitUntilStopReturned() {
        while state.load(ordering: .acquiring) & Bit.done == 0 { ThreadPause.sleep(microseconds: 50) }
    }

    /// Ends the run if no stop was requested. False: a stop came in first; handle it.
    func finishRun() -> Bool {
        var old = state.load(ordering: .acquiring)
        while true {
            if old & Bit.requested != 0 { return false }
            let (exchanged, current) = state.compareExchange(
                expected: old, desired: 0, ordering: .acquiringAndReleasing)
            if exchanged { return true }
            old = current
        }
    }

    struct StopRecord {
        var cause: UInt8
        var requestedAt: UInt64
        var stopReturnedAt: UInt64
        var requesterError: BackendError?
    }

    /// After a stopped run: what happened, and the control reset for the next run.
    func takeStopRecordAndReset() -> StopRecord {
        let final = state.load(ordering: .acquiring)
        let record = StopRecord(
            cause: UInt8((final & Bit.causeMask) >> Bit.causeShift),
            requestedAt: requestedAt.load(ordering: .relaxed),
            stopReturnedAt: stopReturnedAt.load(ordering: .relaxed),
            requesterError: requesterStopError.withLock { $0 })
        requestedAt.store(0, ordering: .relaxed)
        stopReturnedAt.store(0, ordering: .relaxed)
        requesterStopError.withLock { $0 = nil }
        state.store(0, ordering: .releasing)
        return record
    }
}
