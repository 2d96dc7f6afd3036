import KneadCore
import KneadEngine
import KneadSystem
import KneadWire

/// A USB device driven by one report that sets its level and holds it: the Xbox 360
/// pad's rumble report, the Rez Trance Vibrator's speed request. Immediate mode: each
/// frame becomes a report, sent only when it differs from the last one, through one
/// transfer in flight that always carries the newest report (`USBOutChannel`).
///
/// Neither device has a watchdog: it holds the last level until told another. So
/// every way out sends the zero report, and `close` waits (up to `closeTimeout`) for
/// the device to take it.
public final class USBReportDriver: Backend, PortReaderDelegate, USBStopTiming, @unchecked Sendable {
    public struct Options: Sendable {
        /// How long `close` waits for the device to take the zero report, seconds.
        public var closeTimeout = 0.3
        /// A transfer the device has not taken after this long ends play, milliseconds.
        public var deadlineMilliseconds = USBLink.defaultDeadlineMilliseconds
        public init() {}
    }

    public let profile: DeviceProfile
    public let selector: USBSelector
    public let codec: USBReportCodec
    public let capabilities: BackendCapabilities
    public let telemetry: AsyncStream<Telemetry>
    public let options: Options
    private let continuation: AsyncStream<Telemetry>.Continuation

    private struct State {
        var link: USBLink?
        /// The motor levels of the last report sent (`USBReportCodec.levels`).
        var last: UInt16?
        var failure: BackendError?
        var stoppedThisRun = false
        var closed = false
        /// Set by `close`: the device took the zero report last.
        var zeroConfirmed: Bool?
    }
    private let state = Locked(State())

    public init(profile: DeviceProfile, usb selector: USBSelector, options: Options = Options()) throws(BackendError) {
        guard let connection = profile.connection, let codec = USBReportCodec(connection.protocol) else {
            throw .refused("the \(profile.name) profile does not describe a USB report device "
                           + "(its connection needs protocol: xbox360-rumble or rez-trancevibrator)")
        }
        self.profile = profile
        self.selector = selector
        self.codec = codec
        self.options = options
        capabilities = BackendCapabilities(channels: [.intensity], intensitySteps: profile.intensity.steps,
                                           maxRate: profile.maxRate, mode: .immediate)
        (telemetry, continuation) = AsyncStream.makeStream(of: Telemetry.self)
    }

    public var stopSubmitTimes: (called: UInt64, returned: UInt64) {
        state.withLock { $0.link?.out.prioritySubmitTimes } ?? (0, 0)
    }

    // MARK: Backend

    /// Finds, opens and claims the device, checks its interface, and sets it to zero
    /// (a device left running by a crash starts from rest).
    public func open() throws(BackendError) -> DeviceIdentity {
        let codec = self.codec
        let deadline = options.deadlineMilliseconds
        let link = try USBLink.open(selector, interface: profile.connection?.interface ?? 0,
                                    purpose: codec.purpose, plan: { interface in
                                        codec.plan(interface).map { found in
                                            var plan = found
                                            plan.deadlineMilliseconds = deadline
                                            return plan
                                        }
                                    }, delegate: self)
        state.withLock {
            $0.link = link
            $0.last = 0
        }
        try link.write { codec.zero }
        let info = link.info
        return DeviceIdentity(model: [info.manufacturer, info.product].compactMap { $0 }.joined(separator: " ")
                                .nonEmpty ?? codec.model,
                              firmware: "USB \(info.usbID) at \(info.path)", protocolName: codec.protocolName)
    }

    /// On the engine's thread: the levels are compared first, and a report is made
    /// (an allocation) only when they changed.
    public func send(_ frame: SafeFrame) throws(BackendError) {
        let levels = codec.levels(frame.intensity)
        let link = try state.withLock { state throws(BackendError) -> USBLink? in
            if let failure = state.failure { throw failure }
            guard !state.stoppedThisRun, state.last != levels else { return nil }
            state.last = levels
            return state.link
        }
        guard let link else { return }
        let report = codec.report(levels: levels)
        try link.write { report }
    }

    public func flush() throws(BackendError) {
        if let failure = state.withLock({ $0.failure }) { throw failure }
    }

    public func heartbeat() throws(BackendError) {
        try flush()
    }

    public var stopsDuringDeviceCalls: Bool { true }

    /// After close: the device took the zero report last (false when it was unplugged
    /// or never took it; nil before close).
    public var confirmedAtZero: Bool? { state.withLock { $0.zeroConfirmed } }

    public func runWillStart() {
        state.withLock { $0.stoppedThisRun = false }
    }

    /// The priority path: the transfer in flight is cancelled and the zero report
    /// submitted at once on a transfer of its own.
    public func stop() throws(BackendError) {
        let link = state.withLock { state -> USBLink? in
            guard !state.closed else { return nil }
            state.stoppedThisRun = true
            state.last = 0
            return state.link
        }
        try link?.writeStop(codec.zero)
    }

    /// Sends the zero report unless the device has taken the stop's and nothing since,
    /// waits (up to `closeTimeout`) for the device to take it, and lets go of it.
    public func close() {
        let (link, stopped) = state.withLock { state -> (USBLink?, Bool) in
            guard !state.closed else { return (nil, false) }
            state.closed = true
            return (state.link, state.stoppedThisRun)
        }
        guard let link else {
            continuation.finish()
            return
        }
        // A stop the device took is the last word: nothing was sent after it.
        let zeroTaken = stopped && link.out.priorityCompleted > 0 && link.out.isIdle
        // No watchdog on these devices: after a stall or a missed deadline the zero is
        // still tried (the endpoint cleared first); only an unplugged device is let be.
        var confirmed = zeroTaken
        if !link.isUnplugged && !zeroTaken {
            if link.failed != nil { link.clearStall() }
            let before = link.out.priorityCompleted
            link.out.sendFirst(codec.zero)
            link.wait(timeout: options.closeTimeout, throughFailure: true) {
                link.out.priorityCompleted > before && link.out.isIdle
            }
            confirmed = link.out.priorityCompleted > before
        }
        state.withLock { $0.zeroConfirmed = confirmed }
        link.close()
        continuation.finish()
    }

    // MARK: Link events (the event thread)

    func portReceived(_ bytes: ArraySlice<UInt8>, at now: UInt64) {}

    func portTick(at now: UInt64) -> UInt64 { 20_000_000 }

    func portFailed(_ error: BackendError) {
        state.withLock { if $0.failure == nil { $0.failure = error } }
    }
}

extension String {
    fileprivate var nonEmpty: String? { isEmpty ? nil : self }
}
