import KneadCore
import KneadEngine
import KneadSystem
import KneadWire

/// A TCode v0.3 device on a serial port, in immediate mode: each frame becomes one line
/// of the axes that changed, written at the frame's time (docs/drivers.md).
///
/// - Connect: a newline, then `D1` (and `D0`, `D2` when the profile's `answers` lists
///   them); replies are collected for up to `connectTimeout`. A device that stays
///   silent is accepted (many do). A device that lists its axes (`D2`) must have every
///   axis the profile maps.
/// - Frames: `L0…`, `V0…` with 4 digits and `I<ms>` (the time since the last line), only
///   the axes that changed; the vibration axes again (with the same `I<ms>`) when a
///   vibration axis above zero went unsent for `vibrationRefresh` seconds, because
///   TCode firmware ramps vibration to zero 2 s after its last command. The first line
///   after connect or stop eases in over the profile's `start-ramp` (default 0.5 s).
/// - Lines are paced at the baud rate (`SerialPort.write(paced:)`): the OS holds at
///   most the line on the wire, so a stop never has to cut one.
/// - Stop (priority, never behind a blocked write): the line on the wire, and the rest
///   of a line a write was cut in, finish; then `DSTOP\n` and the vibration axes at
///   zero (`V00000\n`). Nothing is flushed: a cut line ended by the stop's bytes would
///   run (`L05400I10 V09` sets V0 to 0.9).
public final class TCodeDriver: Backend, PortReaderDelegate, @unchecked Sendable {
    public static let digits = 4
    package static let timing = TCodeEncoder.Timing.ramp
    public static let protocolName = "TCode v0.3"
    /// Seconds of the ease into the first position when the profile names none.
    public static let defaultStartRamp = 0.5

    public struct Options: Sendable {
        /// How long to wait for answers to the connect queries, seconds.
        public var connectTimeout = 1.0
        /// Quiet time after the last reply before connect ends early, seconds.
        public var settle = 0.05
        /// Every axis is sent again when no line carried a vibration axis for this long.
        public var vibrationRefresh = 1.0
        public var writeTimeout = 0.05
        public var transport = SerialBackendChoice.auto
        public init() {}
    }

    public let path: String
    public let profile: DeviceProfile
    public let capabilities: BackendCapabilities
    public let telemetry: AsyncStream<Telemetry>
    public let options: Options
    public let axes: TCodeAxisMap
    public let settings: SerialSettings
    private let queries: Set<TCodeQuery>
    /// `DSTOP` and the vibration axes at zero, made once so the stop path makes nothing.
    private let stopBytes: [UInt8]
    private let continuation: AsyncStream<Telemetry>.Continuation

    private struct State {
        var encoder: TCodeEncoder
        var port: SerialPort?
        var reader: PortReader?
        var connect: TCodeConnect?
        var info: TCodeDeviceInfo?
        var lastValues: ChannelValues?
        var lastTime = 0.0
        var lastVibrationTime: Double?
        var lastWriteAt: UInt64 = 0
        var stopped = false
        /// Set by `stop()` for the rest of the run: a send already under way when the
        /// stop came produces nothing (the engine may stop during a send).
        var stoppedThisRun = false
        var closed = false
    }

    private let state: Locked<State>
    private let failure = Locked<BackendError?>(nil)

    /// A driver for `profile` (its connection must say `protocol: tcode`) on the port at `path`.
    public init(profile: DeviceProfile, path: String, options: Options = Options()) throws(BackendError) {
        guard let connection = profile.connection, connection.protocol == .tcode else {
            throw .refused("the \(profile.name) profile does not describe a TCode device (its connection needs protocol: tcode)")
        }
        let axes: TCodeAxisMap
        let encoder: TCodeEncoder
        do {
            axes = try TCodeAxisMap(profileAxes: connection.axes.orDefault.names)
            let ramp = connection.startRamp ?? Self.defaultStartRamp
            encoder = try TCodeEncoder(axes: axes, digits: Self.digits, timing: Self.timing,
                                       startRamp: Int((ramp * 1000).rounded()))
        } catch {
            throw .refused("the \(profile.name) profile: \(error)")
        }
        self.path = path
        self.profile = profile
        self.options = options
        self.axes = axes
        settings = SerialSettings(connection, writeTimeout: options.writeTimeout)
        queries = Set(connection.answers.compactMap(TCodeQuery.init(rawValue:)))
        var channels: Set<BackendCapabilities.Channel> = []
        for entry in axes.entries {
            switch entry.channel {
            case .intensity: channels.insert(.intensity)
            case .x, .y: channels.insert(.position)
            case .pressure: channels.insert(.pressure)
            case .heat: channels.insert(.heat)
            case .percussionRate, .percussionDepth: break  // no TCode axis carries them
            }
        }
        capabilities = BackendCapabilities(channels: channels, intensitySteps: profile.intensity.steps,
                                           maxRate: profile.maxRate, mode: .immediate)
        (telemetry, continuation) = AsyncStream.makeStream(of: Telemetry.self)
        // TCode devices report nothing while playing.
        continuation.finish()
        var stopping = encoder
        stopBytes = Array(stopping.stop().utf8)
        state = Locked(State(encoder: encoder))
    }

    /// The open port (nil before `open` and after `close`).
    var port: SerialPort? { state.withLock { $0.port } }

    /// What the device said when connecting (nil before `open`, or when it was silent).
    public var deviceInfo: TCodeDeviceInfo? { state.withLock { $0.info } }

    // MARK: Backend

    public func open() throws(BackendError) -> DeviceIdentity {
        let port = try SerialPort.open(path, settings: settings, choice: options.transport)
        guard let reader = PortReader(port: port, delegate: self) else {
            port.close()
            throw .refused("\(path): no file descriptors left for the reader")
        }
        let now = Self.seconds(MonotonicTime.nanoseconds())
        var connect = TCodeConnect(alsoAsk: queries, timeout: options.connectTimeout, settle: options.settle)
        let greeting = connect.start(now: now)
        state.withLock {
            $0.port = port
            $0.reader = reader
            $0.connect = connect
        }
        guard reader.start() else {
            closeAfterFailedOpen()
            throw .refused("\(path): no thread to read the port with")
        }
        do throws(BackendError) {
            try port.write(greeting)
        } catch {
            closeAfterFailedOpen()
            throw error
        }
        // The reader feeds replies in; this thread only watches the clock.
        var outcome: TCodeConnect.Outcome?
        while outcome == nil {
            if let error = failure.withLock({ $0 }) {
                closeAfterFailedOpen()
                throw error
            }
            ThreadPause.sleep(microseconds: 2_000)
            outcome = state.withLock { state -> TCodeConnect.Outcome? in
                state.connect?.poll(now: Self.seconds(MonotonicTime.nanoseconds()))
                return state.connect?.outcome
            }
        }
        var info: TCodeDeviceInfo?
        if case let .answered(answered) = outcome { info = answered }
        if let info, !info.axes.isEmpty {
            let listed = Set(info.axes.map(\.axis))
            let missing = axes.entries.filter { !listed.contains($0.axis) }
            if !missing.isEmpty {
                closeAfterFailedOpen()
                let names = missing.map { "\($0.channel.name) → \($0.axis)" }.joined(separator: ", ")
                let has = info.axes.map(\.axis.description).sorted().joined(separator: " ")
                throw .refused("the device on \(path) has no axis for \(names) (it lists \(has)): "
                               + "fix the axes in the \(profile.name) profile's connection")
            }
        }
        state.withLock {
            $0.connect = nil
            $0.info = info
        }
        return DeviceIdentity(model: info?.firmware ?? profile.name,
                              firmware: info?.firmware ?? "unknown (the device did not say)",
                              protocolName: info?.version ?? Self.protocolName + " (the device did not answer D1)")
    }

    public func send(_ frame: SafeFrame) throws(BackendError) {
        try send(ChannelValues(intensity: frame.intensity, x: frame.frame.x, y: frame.frame.y,
                               pressure: frame.pressure, heat: frame.heat), at: frame.time)
    }

    /// One tick: the line of the axes that changed (or nothing), written now. The line
    /// is made inside the port's write turn and the driver's lock is let go before the
    /// write waits, so a stop never waits behind it.
    func send(_ values: ChannelValues, at time: Double) throws(BackendError) {
        if let error = failure.withLock({ $0 }) { throw error }
        guard let port = state.withLock({ $0.closed ? nil : $0.port }) else {
            throw .disconnected("\(path): the port is closed")
        }
        let outcome = try port.write(paced: true) {
            state.withLock { state -> [UInt8] in
                guard !state.stoppedThisRun else { return [] }
                let stale = state.lastVibrationTime.map { time - $0 >= options.vibrationRefresh } ?? false
                let refresh = stale && isVibrating(values)
                let line = state.encoder.encode(values, at: time, resending: refresh ? [.vibration] : [])
                state.lastValues = values
                state.lastTime = time
                state.stopped = false
                guard let line else { return [] }
                if Self.hasVibration(line) || state.lastVibrationTime == nil { state.lastVibrationTime = time }
                state.lastWriteAt = MonotonicTime.nanoseconds()
                return Array(line.utf8)
            }
        }
        // The line never left: the next one must not assume the device has it.
        if outcome == .preemptedByStop { state.withLock { $0.encoder.reset() } }
    }

    /// The priority path, from any thread: DSTOP and the vibration axes at zero go out
    /// ahead of every line not yet handed to the OS, without waiting for a writer.
    /// The stop path shares no lock with a writer across a system call (the port's
    /// `writeStop` cuts a blocked write short) and a send in flight makes nothing once
    /// stopped, so the engine stops this driver at once, even during a send.
    public var stopsDuringDeviceCalls: Bool { true }

    public func runWillStart() {
        state.withLock { $0.stoppedThisRun = false }
    }

    public func stop() throws(BackendError) {
        let port = state.withLock { state -> SerialPort? in
            guard let port = state.port, !state.closed else { return nil }
            state.encoder.reset()
            state.stopped = true
            state.stoppedThisRun = true
            return port
        }
        guard let port else { return }
        try port.writeStop(stopBytes, discipline: .finishLine)
        state.withLock { $0.lastWriteAt = MonotonicTime.nanoseconds() }
    }

    /// TCode has no heartbeat; the vibration axes are sent again when nothing went out
    /// for a while (only they: a bare `L0…` would be the firmware's own ramp).
    public func heartbeat() throws(BackendError) {
        if let error = failure.withLock({ $0 }) { throw error }
        guard let port = state.withLock({ $0.closed ? nil : $0.port }) else { return }
        let refresh = UInt64(options.vibrationRefresh * 1e9)
        let outcome = try port.write(paced: true) {
            state.withLock { state -> [UInt8] in
                let now = MonotonicTime.nanoseconds()
                guard !state.stopped, !state.stoppedThisRun, let values = state.lastValues, isVibrating(values),
                      now &- state.lastWriteAt >= refresh,
                      let line = state.encoder.encode(values, at: state.lastTime, resending: [.vibration])
                else { return [] }
                state.lastWriteAt = now
                return Array(line.utf8)
            }
        }
        if outcome == .preemptedByStop { state.withLock { $0.encoder.reset() } }
    }

    /// Leaves the device at zero (DSTOP unless `stop` was the last thing sent), lets the
    /// bytes leave, and closes the port.
    public func close() {
        let (port, reader, needsStop) = state.withLock { state -> (SerialPort?, PortReader?, Bool) in
            guard !state.closed else { return (nil, nil, false) }
            state.closed = true
            let needsStop = state.port != nil && !state.stopped && failure.withLock({ $0 }) == nil
            state.stopped = true
            defer {
                state.port = nil
                state.reader = nil
            }
            return (state.port, state.reader, needsStop)
        }
        if needsStop { try? port?.writeStop(stopBytes, discipline: .finishLine) }
        port?.drainOutput(timeout: 0.1)
        reader?.stop()
        port?.close()
    }

    private func closeAfterFailedOpen() {
        let (port, reader) = state.withLock { state -> (SerialPort?, PortReader?) in
            defer {
                state.port = nil
                state.reader = nil
                state.connect = nil
            }
            return (state.port, state.reader)
        }
        reader?.stop()
        port?.close()
    }

    // MARK: Reader

    func portReceived(_ bytes: ArraySlice<UInt8>, at now: UInt64) {
        state.withLock { $0.connect?.receive(bytes, now: Self.seconds(now)) }
    }

    func portTick(at now: UInt64) -> UInt64 {
        state.withLock { $0.connect?.poll(now: Self.seconds(now)) }
        return 50_000_000
    }

    func portFailed(_ error: BackendError) {
        failure.withLock { if $0 == nil { $0 = error } }
    }

    // MARK: Helpers

    /// Some vibration axis is asked to be above zero (a zero needs no refresh: the
    /// firmware's own timeout ends at zero too).
    private func isVibrating(_ values: ChannelValues) -> Bool {
        axes.entries.contains { $0.axis.kind == .vibration && values[$0.channel] > 0 }
    }

    private static func hasVibration(_ line: String) -> Bool {
        line.utf8.contains(UInt8(ascii: "V"))
    }

    static func seconds(_ nanoseconds: UInt64) -> Double { Double(nanoseconds) / 1e9 }
}
