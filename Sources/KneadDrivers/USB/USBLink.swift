import CLibUSB
import KneadEngine
import KneadSystem
import Synchronization

/// How a driver uses its interface: where OUT data goes and whether to listen.
struct USBLinkPlan: Sendable {
    var out: USBOutTarget
    var filling: USBOutChannel.Filling
    /// Largest payload one transfer carries, bytes.
    var capacity: Int
    /// An IN endpoint to keep listening on (replies), or nil.
    var input: USBEndpoint?
    /// A transfer the device has not taken after this long fails the link, ms.
    var deadlineMilliseconds = USBLink.defaultDeadlineMilliseconds
}

/// An opened USB device, its interface claimed, with its libusb event thread: OUT
/// data through one `USBOutChannel`, replies from an optional `USBInChannel`, and
/// unplugs noticed both from transfers (LIBUSB_TRANSFER_NO_DEVICE) and from libusb's
/// hotplug events, between transfers. Failures reach the delegate once, typed and
/// naming the device.
///
/// The delegate is the serial reader's (`PortReaderDelegate`): bytes, timer ticks
/// and the failure all arrive on the event thread.
final class USBLink: @unchecked Sendable {
    static let defaultDeadlineMilliseconds = 250
    /// Devices whose transfers never came back at close (a device that ignores the
    /// cancel): kept open for the life of the process rather than freed under libusb.
    private static let abandoned = Locked<[USBDeviceHandle]>([])

    let handle: USBDeviceHandle
    let plan: USBLinkPlan
    let out: USBOutChannel
    private var input: USBInChannel?
    private var loop: USBEventLoop?
    private var hotplug: libusb_hotplug_callback_handle = 0
    private var hasHotplug = false
    private weak var delegate: (any PortReaderDelegate)?
    private let failure = Locked<BackendError?>(nil)
    /// Orders producers (the engine, the event thread) on the stream, never held by stop.
    private let writeTurn = Locked(())
    private let closed = Atomic<Bool>(false)
    private let unplugged = Atomic<Bool>(false)

    var name: String { handle.info.name }
    var info: USBDeviceInfo { handle.info }

    /// Finds, opens and claims the device, checks the interface with `plan` (nil and a
    /// reason when it lacks what the driver needs) and starts the event thread.
    static func open(_ selector: USBSelector, interface: Int, purpose: String,
                     plan makePlan: (USBInterfaceDescription) -> Result<USBLinkPlan, USBInterfaceMismatch>,
                     delegate: (any PortReaderDelegate)?) throws(BackendError) -> USBLink {
        let context = try LibUSBContext()
        let handle = try USBDeviceHandle.open(selector, interface: interface, context: context, purpose: purpose)
        let plan: USBLinkPlan
        switch makePlan(handle.interface) {
        case let .success(made): plan = made
        case let .failure(mismatch):
            handle.close()
            throw .refused("\(handle.info.name) interface \(interface) (\(handle.interface.summary)) is not \(purpose): "
                           + "\(mismatch.missing); is --device right for this device, or is this the right --usb id?")
        }
        let link = try USBLink(handle: handle, plan: plan, delegate: delegate)
        try link.start()
        return link
    }

    private init(handle: USBDeviceHandle, plan: USBLinkPlan, delegate: (any PortReaderDelegate)?) throws(BackendError) {
        self.handle = handle
        self.plan = plan
        self.delegate = delegate
        let failureBox = FailureBox()
        guard let out = USBOutChannel(handle: handle.handle, target: plan.out, filling: plan.filling,
                                      capacity: plan.capacity, deadlineMilliseconds: plan.deadlineMilliseconds,
                                      failed: { failureBox.report($0) }) else {
            handle.close()
            throw .refused("\(handle.info.name): libusb could not allocate a transfer")
        }
        self.out = out
        if let endpoint = plan.input {
            input = USBInChannel(handle: handle.handle, endpoint: endpoint,
                                 received: { bytes, now in failureBox.link?.delegate?.portReceived(bytes, at: now) },
                                 failed: { failureBox.report($0) })
        }
        failureBox.link = self
    }

    /// Where the channels' failures go: the link, once it exists.
    private final class FailureBox: @unchecked Sendable {
        weak var link: USBLink?
        func report(_ failure: USBTransferFailure) { link?.fail(failure) }
    }

    private func start() throws(BackendError) {
        let context = handle.context
        if context.hasHotplug {
            let me = Unmanaged.passUnretained(self).toOpaque()
            let registered = libusb_hotplug_register_callback(
                context.pointer, Int32(LIBUSB_HOTPLUG_EVENT_DEVICE_LEFT.rawValue), 0,
                Int32(handle.info.vendorID), Int32(handle.info.productID), LIBUSB_HOTPLUG_MATCH_ANY,
                usbDeviceLeftCallback, me, &hotplug)
            hasHotplug = registered == 0
        }
        let loop = USBEventLoop(context: context) { [weak self] now in
            guard let self, !self.closed.load(ordering: .acquiring) else { return 20_000_000 }
            return self.delegate?.portTick(at: now) ?? 20_000_000
        }
        guard loop.start() else {
            teardown()
            throw .refused("\(name): no thread for libusb's events")
        }
        self.loop = loop
    }

    /// Starts listening on the IN endpoint (if the plan has one). False if libusb
    /// refused a transfer; the failure is reported.
    func startReading() -> Bool {
        input?.start() ?? true
    }

    /// The first failure, if any.
    var failed: BackendError? { failure.withLock { $0 } }

    func fail(_ cause: USBTransferFailure) {
        if case .unplugged = cause { unplugged.store(true, ordering: .releasing) }
        let first = failure.withLock { failure -> BackendError? in
            guard failure == nil else { return nil }
            failure = cause.backendError(device: handle.info.name)
            return failure
        }
        if let first, !closed.load(ordering: .acquiring) { delegate?.portFailed(first) }
    }

    /// Queues what `produce` makes, in the order producers take their turn.
    func write(_ produce: () -> [UInt8]) throws(BackendError) {
        if let failed { throw failed }
        writeTurn.withLock { _ in out.send(produce()) }
    }

    /// The priority path: cancels what is in flight and submits `bytes` at once. Tried
    /// after a failure too (a stalled or slow device may still take it; an unplugged
    /// one refuses harmlessly), then the failure is thrown.
    func writeStop(_ bytes: [UInt8]) throws(BackendError) {
        out.sendFirst(bytes)
        if let failed { throw failed }
    }

    /// Whether the failure was the device going away (nothing more can reach it).
    var isUnplugged: Bool { unplugged.load(ordering: .acquiring) }

    /// Clears a stalled OUT endpoint so a last transfer (the zero report) may pass.
    /// Synchronous (a control transfer, at most 100 ms): for `close`, never the stop path.
    func clearStall() {
        switch plan.out {
        case let .interrupt(endpoint), let .bulk(endpoint): _ = libusb_clear_halt(handle.handle, endpoint)
        case .control: break
        }
    }

    /// Waits (polling, at most `timeout` seconds) for `done`, the link failing (unless
    /// `throughFailure`), or the time.
    func wait(timeout: Double, throughFailure: Bool = false, until done: () -> Bool) {
        let deadline = MonotonicTime.seconds() + timeout
        while MonotonicTime.seconds() < deadline {
            if done() || (!throughFailure && failed != nil) { return }
            ThreadPause.sleep(microseconds: 1_000)
        }
    }

    /// Cancels what is in flight, lets the callbacks run, ends the event thread and
    /// gives the device back. Transfers that never came back are left to libusb
    /// rather than freed under it.
    func close() {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        out.beginClosing()
        input?.beginClosing()
        wait(timeout: 0.25, throughFailure: true) { out.isIdle && (input?.isIdle ?? true) }
        teardown()
    }

    private func teardown() {
        loop?.stop()
        loop = nil
        if hasHotplug {
            libusb_hotplug_deregister_callback(handle.context.pointer, hotplug)
            hasHotplug = false
        }
        let idle = out.isIdle && (input?.isIdle ?? true)
        guard idle else {
            // libusb still owns transfers that point into this handle and context:
            // closing or exiting would free memory under them, so both are kept.
            Self.abandoned.withLock { $0.append(handle) }
            return
        }
        out.free()
        input?.free()
        handle.close()
    }

    fileprivate func deviceLeft(_ device: OpaquePointer?) {
        guard device == handle.device else { return }
        fail(.unplugged("libusb hotplug: the device left"))
    }
}

/// A backend on USB that can tell when its last stop reached libusb, for
/// `knead bench stop` (request to submission).
public protocol USBStopTiming {
    /// Monotonic nanoseconds when `libusb_submit_transfer` was called for the last
    /// stop's transfer, and when it returned; 0: none yet.
    var stopSubmitTimes: (called: UInt64, returned: UInt64) { get }
}

/// What an interface lacks for a driver, e.g. "it has no interrupt OUT endpoint".
struct USBInterfaceMismatch: Error, Sendable {
    let missing: String
}

private let usbDeviceLeftCallback: libusb_hotplug_callback_fn = { _, device, _, context in
    guard let context else { return 0 }
    Unmanaged<USBLink>.fromOpaque(context).takeUnretainedValue().deviceLeft(device)
    return 0
}
