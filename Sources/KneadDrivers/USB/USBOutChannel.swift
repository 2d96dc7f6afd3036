import CLibUSB
import KneadSystem

/// Where a channel's OUT transfers go.
enum USBOutTarget: Sendable, Equatable {
    case interrupt(UInt8)
    case bulk(UInt8)
    /// Endpoint 0: each payload is a whole control transfer, the 8-byte setup packet first.
    case control

    var name: String {
        func hex(_ v: UInt8) -> String { let s = String(v, radix: 16); return "0x" + (s.count < 2 ? "0" + s : s) }
        switch self {
        case let .interrupt(address): return "\(hex(address)) (interrupt OUT)"
        case let .bulk(address): return "\(hex(address)) (bulk OUT)"
        case .control: return "0 (control)"
        }
    }
}

/// One OUT endpoint's traffic: at most one transfer in flight, resubmitted from its
/// callback with what came meanwhile, so the engine never waits on USB.
///
/// `latest`: a report replaces the one waiting (a rumble level: only the newest
/// matters). `stream`: bytes queue behind each
/// other (the knead wire protocol's byte stream: nothing may be lost).
///
/// Stop has a transfer of its own: `sendFirst` drops what waits, cancels the transfer
/// in flight and submits its bytes at once, without waiting for the cancel. The state
/// lock is held only to hand over ownership of a transfer, never across a libusb call.
final class USBOutChannel: @unchecked Sendable {
    enum Filling: Sendable { case latest, stream }

    let target: USBOutTarget
    let filling: Filling
    let deadlineMilliseconds: Int
    let capacity: Int
    private let handle: OpaquePointer
    private let failed: @Sendable (USBTransferFailure) -> Void
    private let main: UnsafeMutablePointer<libusb_transfer>
    private let priority: UnsafeMutablePointer<libusb_transfer>
    private let mainBuffer: UnsafeMutablePointer<UInt8>
    private let priorityBuffer: UnsafeMutablePointer<UInt8>

    private struct State {
        var mainInFlight = false
        var priorityInFlight = false
        var pending: [UInt8]?
        var closing = false
        var priorityCompleted = 0
        var prioritySubmittedAt: UInt64 = 0
        var priorityCalledAt: UInt64 = 0
    }
    private let state = Locked(State())

    /// Nil when libusb cannot allocate transfers.
    init?(handle: OpaquePointer, target: USBOutTarget, filling: Filling, capacity: Int, deadlineMilliseconds: Int,
          failed: @escaping @Sendable (USBTransferFailure) -> Void) {
        guard let main = libusb_alloc_transfer(0) else { return nil }
        guard let priority = libusb_alloc_transfer(0) else {
            libusb_free_transfer(main)
            return nil
        }
        self.handle = handle
        self.target = target
        self.filling = filling
        self.capacity = capacity
        self.deadlineMilliseconds = deadlineMilliseconds
        self.failed = failed
        self.main = main
        self.priority = priority
        mainBuffer = .allocate(capacity: capacity)
        priorityBuffer = .allocate(capacity: capacity)
    }

    /// Frees the transfers; only once none is in flight (`close` said so), else they
    /// are left to libusb rather than freed under it.
    private var freed = false
    func free() {
        let idle = state.withLock { !$0.mainInFlight && !$0.priorityInFlight }
        guard idle, !freed else { return }
        freed = true
        libusb_free_transfer(main)
        libusb_free_transfer(priority)
        mainBuffer.deallocate()
        priorityBuffer.deallocate()
    }

    var priorityCompleted: Int { state.withLock { $0.priorityCompleted } }
    var isIdle: Bool { state.withLock { !$0.mainInFlight && !$0.priorityInFlight } }

    /// Hands `bytes` to the device: now if nothing is in flight, else when the
    /// transfer in flight completes.
    func send(_ bytes: [UInt8]) {
        guard !bytes.isEmpty else { return }
        let now = state.withLock { state -> [UInt8]? in
            guard !state.closing else { return nil }
            if state.mainInFlight {
                switch filling {
                case .latest:
                    state.pending = bytes
                case .stream:
                    state.pending = (state.pending ?? []) + bytes
                }
                return nil
            }
            state.mainInFlight = true
            return take(bytes, &state)
        }
        if let now { submit(main, mainBuffer, now) }
    }

    /// The priority path: what waits is dropped, `bytes` are submitted on a transfer of
    /// their own at once, and then the transfer in flight is cancelled. The endpoint's
    /// queue keeps submission order, so the cancel (which discards the older transfer
    /// if it has not gone yet) need not come first and the stop does not wait for it.
    func sendFirst(_ bytes: [UInt8]) {
        let (cancel, go) = state.withLock { state -> (Bool, Bool) in
            guard !state.closing else { return (false, false) }
            state.pending = nil
            let go = !state.priorityInFlight
            if go { state.priorityInFlight = true }
            return (state.mainInFlight, go)
        }
        if go {
            submit(priority, priorityBuffer, Array(bytes.prefix(capacity)))
        } else {
            // A stop is already on its way; these bytes follow it.
            send(bytes)
        }
        if cancel { _ = libusb_cancel_transfer(main) }
    }

    /// When the last stop transfer was handed to libusb: `libusb_submit_transfer`
    /// called and returned (monotonic nanoseconds; 0: never).
    var prioritySubmitTimes: (called: UInt64, returned: UInt64) {
        state.withLock { ($0.priorityCalledAt, $0.prioritySubmittedAt) }
    }

    /// Cancels the transfer in flight and takes nothing more. The event loop must keep
    /// running until `isIdle`.
    func beginClosing() {
        let cancel = state.withLock { state -> Bool in
            state.closing = true
            state.pending = nil
            return state.mainInFlight
        }
        if cancel { _ = libusb_cancel_transfer(main) }
    }

    // MARK: Event thread

    fileprivate func completed(_ transfer: UnsafeMutablePointer<libusb_transfer>) {
        let status = transfer.pointee.status
        if transfer == priority {
            state.withLock {
                $0.priorityInFlight = false
                if status == LIBUSB_TRANSFER_COMPLETED { $0.priorityCompleted += 1 }
            }
            if status != LIBUSB_TRANSFER_COMPLETED && status != LIBUSB_TRANSFER_CANCELLED {
                failed(.from(status: status, endpoint: target.name, deadline: deadlineMilliseconds))
            }
            return
        }
        if status != LIBUSB_TRANSFER_COMPLETED && status != LIBUSB_TRANSFER_CANCELLED {
            state.withLock {
                $0.mainInFlight = false
                $0.pending = nil
            }
            failed(.from(status: status, endpoint: target.name, deadline: deadlineMilliseconds))
            return
        }
        // A bulk transfer the device took only part of: the rest goes first.
        let unsent: [UInt8] = filling == .stream && status == LIBUSB_TRANSFER_COMPLETED
            && transfer.pointee.actual_length < transfer.pointee.length
            ? Array(UnsafeBufferPointer(start: mainBuffer + Int(transfer.pointee.actual_length),
                                        count: Int(transfer.pointee.length - transfer.pointee.actual_length)))
            : []
        let next = state.withLock { state -> [UInt8]? in
            if state.closing {
                state.mainInFlight = false
                return nil
            }
            let waiting = unsent + (state.pending ?? [])
            state.pending = nil
            guard !waiting.isEmpty else {
                state.mainInFlight = false
                return nil
            }
            return take(waiting, &state)
        }
        if let next { submit(main, mainBuffer, next) }
    }

    // MARK: Plumbing

    /// What fits one transfer; the rest of a stream waits (under the lock).
    private func take(_ bytes: [UInt8], _ state: inout State) -> [UInt8] {
        guard bytes.count > capacity else { return bytes }
        if filling == .stream { state.pending = Array(bytes[capacity...]) + (state.pending ?? []) }
        return Array(bytes.prefix(capacity))
    }

    private func submit(_ transfer: UnsafeMutablePointer<libusb_transfer>, _ buffer: UnsafeMutablePointer<UInt8>,
                        _ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { buffer.update(from: $0.baseAddress!, count: bytes.count) }
        let context = Unmanaged.passUnretained(self).toOpaque()
        let timeout = UInt32(deadlineMilliseconds)
        switch target {
        case let .interrupt(endpoint):
            libusb_fill_interrupt_transfer(transfer, handle, endpoint, buffer, Int32(bytes.count), outTransferDone,
                                           context, timeout)
        case let .bulk(endpoint):
            libusb_fill_bulk_transfer(transfer, handle, endpoint, buffer, Int32(bytes.count), outTransferDone,
                                      context, timeout)
        case .control:
            libusb_fill_control_transfer(transfer, handle, buffer, outTransferDone, context, timeout)
        }
        let called = transfer == priority ? MonotonicTime.nanoseconds() : 0
        let result = libusb_submit_transfer(transfer)
        if result == 0 {
            let now = transfer == priority ? MonotonicTime.nanoseconds() : 0
            if transfer == priority {
                state.withLock { state in
                    state.priorityCalledAt = called
                    state.prioritySubmittedAt = now
                }
            }
            return
        }
        state.withLock { state in
            if transfer == priority { state.priorityInFlight = false } else {
                state.mainInFlight = false
                state.pending = nil
            }
        }
        failed(.from(submitError: result, endpoint: target.name))
    }
}

/// libusb calls this on the event thread; the channel rides in `user_data`.
private let outTransferDone: libusb_transfer_cb_fn = { transfer in
    guard let transfer, let context = transfer.pointee.user_data else { return }
    Unmanaged<USBOutChannel>.fromOpaque(context).takeUnretainedValue().completed(transfer)
}
