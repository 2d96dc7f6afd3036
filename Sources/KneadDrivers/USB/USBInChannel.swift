import CLibUSB
import KneadSystem

/// An IN endpoint kept listening: a few transfers always submitted, each resubmitted
/// from its callback after handing what arrived to `received` (on the event thread).
final class USBInChannel: @unchecked Sendable {
    let endpoint: USBEndpoint
    private let handle: OpaquePointer
    private let received: @Sendable (ArraySlice<UInt8>, UInt64) -> Void
    private let failed: @Sendable (USBTransferFailure) -> Void
    private let transfers: [UnsafeMutablePointer<libusb_transfer>]
    private let buffers: [UnsafeMutablePointer<UInt8>]
    private let size: Int

    private struct State {
        var inFlight = 0
        var closing = false
    }
    private let state = Locked(State())

    init?(handle: OpaquePointer, endpoint: USBEndpoint, count: Int = 2, size: Int = 512,
          received: @escaping @Sendable (ArraySlice<UInt8>, UInt64) -> Void,
          failed: @escaping @Sendable (USBTransferFailure) -> Void) {
        var transfers: [UnsafeMutablePointer<libusb_transfer>] = []
        for _ in 0..<count {
            guard let transfer = libusb_alloc_transfer(0) else {
                transfers.forEach { libusb_free_transfer($0) }
                return nil
            }
            transfers.append(transfer)
        }
        self.handle = handle
        self.endpoint = endpoint
        self.received = received
        self.failed = failed
        self.transfers = transfers
        // A whole number of packets, so a device's short packet ends a transfer cleanly.
        let packet = max(endpoint.maxPacketSize, 8)
        self.size = max(packet, (size / packet) * packet)
        buffers = transfers.map { _ in UnsafeMutablePointer<UInt8>.allocate(capacity: size) }
    }

    /// Submits every transfer. False if libusb refused one (the failure is reported).
    func start() -> Bool {
        for index in transfers.indices where !submit(index) { return false }
        return true
    }

    var isIdle: Bool { state.withLock { $0.inFlight == 0 } }

    func beginClosing() {
        state.withLock { $0.closing = true }
        for transfer in transfers { _ = libusb_cancel_transfer(transfer) }
    }

    private var freed = false
    func free() {
        guard isIdle, !freed else { return }
        freed = true
        transfers.forEach { libusb_free_transfer($0) }
        buffers.forEach { $0.deallocate() }
    }

    fileprivate func completed(_ transfer: UnsafeMutablePointer<libusb_transfer>) {
        let now = MonotonicTime.nanoseconds()
        let status = transfer.pointee.status
        let closing = state.withLock { state -> Bool in
            state.inFlight -= 1
            return state.closing
        }
        guard let index = transfers.firstIndex(of: transfer) else { return }
        switch status {
        case LIBUSB_TRANSFER_COMPLETED:
            let count = Int(transfer.pointee.actual_length)
            if count > 0 { received(Array(UnsafeBufferPointer(start: buffers[index], count: count))[...], now) }
            if !closing { _ = submit(index) }
        case LIBUSB_TRANSFER_CANCELLED:
            return
        case LIBUSB_TRANSFER_TIMED_OUT:
            if !closing { _ = submit(index) }
        default:
            if !closing {
                failed(.from(status: status, endpoint: endpoint.summary, deadline: 0))
            }
        }
    }

    private func submit(_ index: Int) -> Bool {
        let going = state.withLock { state -> Bool in
            guard !state.closing else { return false }
            state.inFlight += 1
            return true
        }
        guard going else { return false }
        let transfer = transfers[index]
        let context = Unmanaged.passUnretained(self).toOpaque()
        if endpoint.type == .interrupt {
            libusb_fill_interrupt_transfer(transfer, handle, endpoint.address, buffers[index], Int32(size),
                                           inTransferDone, context, 0)
        } else {
            libusb_fill_bulk_transfer(transfer, handle, endpoint.address, buffers[index], Int32(size),
                                      inTransferDone, context, 0)
        }
        let result = libusb_submit_transfer(transfer)
        guard result == 0 else {
            state.withLock { $0.inFlight -= 1 }
            failed(.from(submitError: result, endpoint: endpoint.summary))
            return false
        }
        return true
    }
}

private let inTransferDone: libusb_transfer_cb_fn = { transfer in
    guard let transfer, let context = transfer.pointee.user_data else { return }
    Unmanaged<USBInChannel>.fromOpaque(context).takeUnretainedValue().completed(transfer)
}
