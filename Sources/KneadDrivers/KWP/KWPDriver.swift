import KneadCore
import KneadEngine
import KneadSystem
import KneadWire

/// A device that speaks the knead wire protocol (docs/protocol.md) on a serial port or
/// over USB (a vendor interface's bulk pair, `ByteStreamLink`), in lead mode: frames reach the driver `lead` seconds before they are due, are stamped
/// in the device's clock and batched by `KWPHostSession`, and the device plays them
/// from its own buffer.
///
/// Threads: the engine calls `send`, `flush` and `heartbeat`; the port's reader thread
/// feeds what arrives into the session and runs its timers (retransmits, clock sync,
/// heartbeats, silence); `stop` may come from any thread and writes STOP at once,
/// ahead of everything queued. One lock guards the session and is held for the
/// session's own work only, never across I/O: output is taken from the session inside
/// the port's write turn (`SerialPort.write(_ produce:)`), so it reaches the OS in the
/// order it was made, and the stop path, which needs this lock to make STOP, never
/// waits behind a write blocked on a full line.
public final class KWPDriver: SessionTimedBackend, PortReaderDelegate, USBStopTiming, @unchecked Sendable {
    public static let protocolName = "knead wire protocol v\(KWP.version)"
    public static let defaultLead = 0.15
    public static let minimumLead = 0.1

    public struct Options: Sendable {
        /// How far ahead frames are sent, seconds (at least 0.1). Nil: the profile's
        /// `lead`, else 0.15.
        public var lead: Double?
        public var host = KWPHostConfiguration()
        public var writeTimeout = 0.05
        /// How long `close` waits for the device to confirm STOP, seconds.
        public var closeTimeout = 0.3
        /// At the end of a play (`close` with no stop before it): how long the frames
        /// still unacknowledged get to be acknowledged (resends on a noisy line) before
        /// the STOP discards them, seconds. The stream has ended at zero by then.
        public var drainTimeout = 0.5
        public var transport = SerialBackendChoice.auto
        public init() {}
    }

    /// The serial port's path, or the USB id asked for: what messages name.
    public let path: String
    private let location: Location
    public let profile: DeviceProfile
    public let capabilities: BackendCapabilities
    public let telemetry: AsyncStream<Telemetry>
    public let options: Options
    public let lead: Double
    public let settings: SerialSettings
    private let continuation: AsyncStream<Telemetry>.Continuation

    private enum Location {
        case serial(String)
        case usb(USBSelector, interface: Int)
    }

    private struct State {
        var session: KWPHostSession
        var link: (any ByteStreamLink)?
        var failure: BackendError?
        var ready = false
        var identity: KWPIdentity?
        /// Host seconds (CLOCK_MONOTONIC) of session time 0.
        var sessionStart = 0.0
        var stopSent = false
        var stopConfirmed = false
        /// Set by `stop()` for the rest of the run: a send already under way when the
        /// stop came queues nothing (the engine may stop during a send or flush).
        var stoppedThisRun = false
        var closed = false
        /// Setpoints a stop discarded, over the play: before they went out, or sent and
        /// not yet acknowledged.
        var unsent = 0
        var unconfirmed = 0
    }

    private let state: Locked<State>

    public convenience init(profile: DeviceProfile, path: String, options: Options = Options()) throws(BackendError) {
        try self.init(profile: profile, location: .serial(path), name: path, options: options)
    }

    /// The device at USB `selector`, on the interface the profile's connection names.
    public convenience init(profile: DeviceProfile, usb selector: USBSelector,
                            options: Options = Options()) throws(BackendError) {
        try self.init(profile: profile, location: .usb(selector, interface: profile.connection?.interface ?? 0),
                      name: "USB device \(selector)", options: options)
    }

    private init(profile: DeviceProfile, location: Location, name: String, options: Options) throws(BackendError) {
        guard let connection = profile.connection, connection.protocol == .kwp else {
            throw .refused("the \(profile.name) profile does not describe a knead wire protocol device "
                           + "(its connection needs protocol: kwp)")
        }
        self.path = name
        self.location = location
        self.profile = profile
        self.options = options
        lead = max(Self.minimumLead, options.lead ?? connection.lead ?? Self.defaultLead)
        settings = SerialSettings(connection, writeTimeout: options.writeTimeout)
        var channels: Set<BackendCapabilities.Channel> = [.intensity]
        if profile.position != nil { channels.insert(.position) }
        if profile.pressure != nil { channels.insert(.pressure) }
        if profile.heat != nil { channels.insert(.heat) }
        capabilities = BackendCapabilities(channels: channels, intensitySteps: profile.intensity.steps,
                                           maxRate: profile.maxRate, mode: .lead(lead))
        (telemetry, continuation) = AsyncStream.makeStream(of: Telemetry.self, bufferingPolicy: .bufferingNewest(64))
        state = Locked(State(session: KWPHostSession(configuration: options.host)))
    }

    /// Over USB: when the last STOP's transfer was handed to libusb (0 on serial, or none yet).
    public var stopSubmitTimes: (called: UInt64, returned: UInt64) {
        (state.withLock { $0.link } as? USBStreamLink)?.link.out.prioritySubmitTimes ?? (0, 0)
    }

    /// After close: STOPPED came back for the last STOP (nil if the device was never opened).
    public var delivery: FrameDelivery? {
        state.withLock { state in
            FrameDelivery(acknowledged: state.session.statistics.setpointsAcknowledged,
                          unconfirmed: state.unconfirmed, unsent: state.unsent,
                          shortLead: state.session.statistics.shortLeadSetpoints)
        }
    }

    public var confirmedAtZero: Bool? {
        state.withLock { $0.closed && $0.identity != nil ? $0.stopConfirmed : nil }
    }

    /// What the device said about itself (nil before `open`).
    public var identity: KWPIdentity? { state.withLock { $0.identity } }

    /// What the host believes the device clock reads at host time `hostTime` (monotonic
    /// seconds), ticks; nil before the first clock sample. For the soak's drift figure.
    public func estimatedDeviceTicks(atHostTime hostTime: Double) -> Double? {
        state.withLock { $0.session.clock?.deviceTicks(atHostTime: hostTime) }
    }

    /// The session's counters: packets, retransmissions, clock samples…
    public var statistics: KWPHostStatistics { state.withLock { $0.session.statistics } }

    // MARK: Backend

    /// Opens the port, says HELLO and waits for IDENTIFY and the first clock round
    /// trips. A device that never answers is `.timedOut` after the session's identify
    /// timeout (2 s), never a hang.
    public func open() throws(BackendError) -> DeviceIdentity {
        let link: any ByteStreamLink
        switch location {
        case let .serial(path):
            link = try SerialStreamLink(path: path, settings: settings, choice: options.transport, delegate: self)
        case let .usb(selector, interface):
            link = try USBStreamLink(selector, interface: interface, delegate: self)
        }
        state.withLock { state in
            state.link = link
            state.session.start(now: Self.hostNow())
        }
        writeOutput()
        guard link.startReading() else {
            shutDown(sendStop: false)
            throw .refused("\(path): no thread to read the device with")
        }
        // The reader drives the handshake; this thread watches for its end. The session
        // fails by itself at its identify timeout; the extra second covers clock sync.
        let giveUp = Self.hostNow() + options.host.identifyTimeout + 1
        while true {
            let (ready, failure, identity) = state.withLock { ($0.ready, $0.failure, $0.identity) }
            if let failure {
                shutDown(sendStop: false)
                throw failure
            }
            if ready, let identity {
                if let missing = missingPercussion(in: identity) {
                    shutDown(sendStop: true)
                    throw missing
                }
                return DeviceIdentity(model: identity.model, firmware: identity.firmware, protocolName: Self.protocolName)
            }
            if Self.hostNow() > giveUp {
                shutDown(sendStop: true)
                throw .timedOut("\(path): the device answered identify but its clock did not answer in time "
                                + "(CLOCK_REQUEST): check the firmware")
            }
            ThreadPause.sleep(microseconds: 2_000)
        }
    }

    /// A profile that says the device taps by itself needs a device that takes the
    /// percussion channels; without them every tap would be lost, not sampled.
    private func missingPercussion(in identity: KWPIdentity) -> BackendError? {
        let needed = KWPChannel.percussionRate.maskBit | KWPChannel.percussionDepth.maskBit
        guard profile.percussion != nil, identity.channelMask & needed != needed else { return nil }
        return .refused("\(path): the \(profile.name) profile says the device taps by itself (percussion), "
                        + "but \(identity.model.isEmpty ? "the device" : identity.model) announces no "
                        + "percussion-rate and percussion-depth channels (docs/protocol.md 2.5): update its "
                        + "firmware, or use a profile without 'percussion' so taps are sent as intensity")
    }

    public func sessionWillStart(at sessionStart: UInt64, on clock: any EngineClock) {
        // The engine's clock and the session's are both CLOCK_MONOTONIC in production;
        // measuring the offset keeps this right for any other clock too.
        let offset = Double(Int64(bitPattern: MonotonicTime.nanoseconds() &- clock.now())) / 1e9
        state.withLock { $0.sessionStart = Double(sessionStart) / 1e9 + offset }
    }

    public func send(_ frame: SafeFrame) throws(BackendError) {
        try send(ChannelValues(intensity: frame.intensity, x: frame.frame.x, y: frame.frame.y,
                               pressure: frame.pressure, heat: frame.heat,
                               percussionRate: frame.frame.percussionRate,
                               percussionDepth: frame.frame.percussionDepth), at: frame.time)
    }

    /// One setpoint for session time `time`, handed to the session to batch.
    func send(_ values: ChannelValues, at time: Double) throws(BackendError) {
        try state.withLock { state throws(BackendError) in
            if let failure = state.failure { throw failure }
            guard !state.stoppedThisRun else { return }
            state.stopSent = false
            state.session.enqueue(values, at: state.sessionStart + time)
        }
    }

    public func flush() throws(BackendError) {
        try state.withLock { state throws(BackendError) in
            if let failure = state.failure { throw failure }
            state.session.poll(now: Self.hostNow())
        }
        writeOutput()
        if let failure = state.withLock({ $0.failure }) { throw failure }
    }

    public func heartbeat() throws(BackendError) {
        try flush()
    }

    /// The priority path: the session drops everything queued and puts STOP first; what
    /// the OS still holds is discarded, and a 0x00 ends any frame cut short, so STOP is
    /// the next thing the device decodes. A write blocked on a full line is cut short,
    /// not waited for (`SerialPort.writeStop`). The reader resends STOP until STOPPED
    /// arrives.
    /// The session's lock is never held across I/O and the port's `writeStop` cuts a
    /// blocked write short; a send in flight queues nothing once stopped. So the engine
    /// stops this driver at once, even during a send or flush.
    public var stopsDuringDeviceCalls: Bool { true }

    public func runWillStart() {
        state.withLock { $0.stoppedThisRun = false }
    }

    public func stop() throws(BackendError) {
        let prepared = state.withLock { state -> ((any ByteStreamLink), [UInt8])? in
            guard let link = state.link, !state.closed else { return nil }
            state.unsent += state.session.unsentSetpoints
            state.unconfirmed += state.session.unconfirmedSetpoints
            state.session.stop(now: Self.hostNow())
            state.stopSent = true
            state.stoppedThisRun = true
            state.stopConfirmed = false
            let bytes = [KWP.delimiter] + state.session.takeOutput()
            handleEvents(&state)
            return (link, bytes)
        }
        guard let (link, bytes) = prepared else { return }
        do throws(BackendError) {
            try link.writeStop(bytes)
        } catch {
            state.withLock { record(error, in: &$0) }
            throw error
        }
    }

    /// Stops the device unless that was the last thing done, waits (up to
    /// `closeTimeout`) for STOPPED, and closes the port.
    public func close() {
        shutDown(sendStop: true)
        continuation.finish()
    }

    private func shutDown(sendStop: Bool) {
        let needsStop = state.withLock { state -> Bool in
            guard !state.closed, state.link != nil else { return false }
            return sendStop && state.failure == nil && (!state.stopSent || !state.stopConfirmed)
        }
        if needsStop {
            let alreadySent = state.withLock { $0.stopSent }
            if !alreadySent {
                waitUntil(Self.hostNow() + options.drainTimeout) { $0.session.unacknowledgedSetpoints == 0 }
                try? stop()
            }
            waitUntil(Self.hostNow() + options.closeTimeout) { $0.stopConfirmed }
        }
        let link = state.withLock { state -> (any ByteStreamLink)? in
            guard !state.closed else { return nil }
            state.closed = true
            defer { state.link = nil }
            return state.link
        }
        link?.close()
    }

    /// Polls (the reader thread moves the session on) until `done`, a failure or `deadline`.
    private func waitUntil(_ deadline: Double, _ done: (State) -> Bool) {
        while Self.hostNow() < deadline {
            if state.withLock({ done($0) || $0.failure != nil }) { return }
            ThreadPause.sleep(microseconds: 2_000)
        }
    }

    // MARK: Reader

    func portReceived(_ bytes: ArraySlice<UInt8>, at now: UInt64) {
        state.withLock { state in
            state.session.receive(bytes, now: Self.seconds(now))
            state.session.poll(now: Self.seconds(now))
        }
        writeOutput()
    }

    func portTick(at now: UInt64) -> UInt64 {
        let seconds = Self.seconds(now)
        let open = state.withLock { state -> Bool in
            guard !state.closed else { return false }
            state.session.poll(now: seconds)
            return true
        }
        guard open else { return 50_000_000 }
        writeOutput()
        guard let next = state.withLock({ $0.session.nextPollTime }) else { return 20_000_000 }
        let wait = min(max(next - seconds, 0.001), 0.02)
        return UInt64(wait * 1e9)
    }

    func portFailed(_ error: BackendError) {
        state.withLock { record(error, in: &$0) }
    }

    // MARK: Session plumbing

    /// Writes what the session has to send and acts on its events. The session's lock
    /// is taken inside the port's write turn only to take the output, and let go
    /// before the write can wait for room.
    private func writeOutput() {
        guard let link = state.withLock({ $0.closed ? nil : $0.link }) else { return }
        do throws(BackendError) {
            try link.write {
                state.withLock { state -> [UInt8] in
                    let output = state.failure == nil ? state.session.takeOutput() : []
                    handleEvents(&state)
                    return output
                }
            }
        } catch {
            state.withLock { record(error, in: &$0) }
        }
    }

    // MARK: Session plumbing (under the lock)

    private func handleEvents(_ state: inout State) {
        for event in state.session.takeEvents() {
            switch event {
            case let .identified(identity):
                state.identity = identity
            case .ready:
                state.ready = true
            case let .telemetry(sample):
                continuation.yield(telemetry(from: sample, state: state, events: []))
            case let .fault(fault):
                let sample = state.session.lastTelemetry
                continuation.yield(Telemetry(time: sessionTime(ofDevice: fault.deviceTime, state: state),
                                             intensity: sample.map { Double($0.actual.intensity) / 65535 } ?? 0,
                                             x: sample.map { Double($0.actual.x) / 65535 } ?? 0.5,
                                             y: sample.map { Double($0.actual.y) / 65535 } ?? 0.5,
                                             pressure: sample.map { Double($0.actual.pressure) / 65535 } ?? 0,
                                             temperature: sample.map(Self.temperature) ?? 0,
                                             events: [.fault(fault.code.summary)]))
            case .stopConfirmed:
                state.stopConfirmed = true
            case let .failed(error):
                record(Self.backendError(error, path: path), in: &state)
            }
        }
    }

    private func record(_ error: BackendError, in state: inout State) {
        if state.failure == nil { state.failure = error }
    }

    private func telemetry(from sample: KWPTelemetry, state: State, events: [TelemetryEvent]) -> Telemetry {
        Telemetry(time: sessionTime(ofDevice: sample.deviceTime, state: state),
                  intensity: Double(sample.actual.intensity) / 65535,
                  x: Double(sample.actual.x) / 65535, y: Double(sample.actual.y) / 65535,
                  pressure: Double(sample.actual.pressure) / 65535,
                  temperature: Self.temperature(sample),
                  events: events + (sample.state == .halted ? [.halted] : []))
    }

    private func sessionTime(ofDevice ticks: UInt64, state: State) -> Double {
        guard let clock = state.session.clock else { return 0 }
        return max(0, clock.hostTime(atDeviceTicks: Double(ticks)) - state.sessionStart)
    }

    /// °C; 0 when the device has no sensor.
    private static func temperature(_ sample: KWPTelemetry) -> Double {
        sample.temperatureCentiCelsius == KWPTelemetry.noTemperature ? 0 : Double(sample.temperatureCentiCelsius) / 100
    }

    /// The session's failure in the engine's terms, naming the port.
    static func backendError(_ error: KWPHostError, path: String) -> BackendError {
        switch error {
        case .identifyTimedOut, .identifyDamaged:
            return .timedOut("\(path): \(error) (a TCode device? use --device osr2 or tcode-vibrator)")
        case .deviceSilent:
            return .timedOut("\(path): \(error)")
        case .unsupportedVersion, .deviceHalted, .notAccepting:
            return .refused("\(path): \(error)")
        case let .protocolViolation(what):
            // BackendError says "protocol error:" itself.
            return .protocolError("\(path): \(what)")
        }
    }

    static func hostNow() -> Double { seconds(MonotonicTime.nanoseconds()) }
    static func seconds(_ nanoseconds: UInt64) -> Double { Double(nanoseconds) / 1e9 }
}
