import KneadCore
import KneadEngine
import KneadWire
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A TCode v0.3 device on a serial port, in immediate mode: each frame becomes one line
/// of the axes that changed, written at the frame's time (docs/drivers.md).
///
/// - Connect: a newline, then `D1` (and `D0`, `D2` when the profile's `answers` lists
///   them); replies are collected for up to `connectTimeout`. A device that stays
///   silent is accepted (many do). A device that lists its axes (`D2`) must have every
///   axis the profile maps.
/// - Frames: `L0…`, `V0…` with 4 digits and `I<ms>` (the time since the last line), only
///   the axes that changed; every axis again when a vibration axis above zero went
///   unsent for `vibrationRefresh` seconds, because TCode firmware ramps vibration to
///   zero 2 s after its last command.
/// - Stop (priority): output queued in the OS is discarded, then `\nDSTOP\n` and the
///   vibration axes at zero (`V00000\n`).
public final class TCodeDriver: Backend, PortReaderDelegate, @unchecked Sendable {
    public static let digits = 4
    public static let timing = TCodeEncoder.Timing.ramp
    public static let protocolName = "TCode v0.3"

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
        var closed = false
    }

    private let state: Mutex<State>
    private let failure = Mutex<BackendError?>(nil)

    /// A driver for `profile` (its connection must say `protocol: tcode`) on the port at `path`.
    public init(profile: DeviceProfile, path: String, options: Options = Options()) throws(BackendError) {
        guard let connection = profile.connection, connection.protocol == .tcode else {
            throw .refused("the \(profile.name) profile does not describe a TCode device (its connection needs protocol: tcode)")
        }
        let axes: TCodeAxisMap
        let encoder: TCodeEncoder
        do {
            axes = try TCodeAxisMap(profileAxes: connection.axes.orDefault.names)
            encoder = try TCodeEncoder(axes: axes, digits: Self.digits, timing: Self.timing)
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
            }
        }
        capabilities = BackendCapabilities(channels: channels, intensitySteps: profile.intensity.steps,
                                           maxRate: profile.maxRate, mode: .immediate)
        (telemetry, continuation) = AsyncStream.makeStream(of: Telemetry.self)
        // TCode devices report nothing while playing.
        continuation.finish()
        state = Mutex(State(encoder: encoder))
    }

    /// What the device said when connecting (nil before `open`, or when it was silent).
    public var deviceInfo: TCodeDeviceInfo? { state.withLock { $0.info } }

    // MARK: Backend

    public func open() throws(BackendError) -> DeviceIdentity {
        let port = try SerialPort.open(path, settings: settings, choice: options.transport)
        guard let reader = PortReader(port: port, delegate: self) else {
            port.close()
            throw .refused("\(path): no file descriptors left for the reader")
        }
        let now = Self.seconds(monotonicNanoseconds())
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
            usleep(2_000)
            outcome = state.withLock { state -> TCodeConnect.Outcome? in
                state.connect?.poll(now: Self.seconds(monotonicNanoseconds()))
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

    /// One tick: the line of the axes that changed (or nothing), written now.
    func send(_ values: ChannelValues, at time: Double) throws(BackendError) {
        if let error = failure.withLock({ $0 }) { throw error }
        try state.withLock { state throws(BackendError) in
            guard let port = state.port, !state.closed else { throw .disconnected("\(path): the port is closed") }
            var line = state.encoder.encode(values, at: time)
            if line.map(Self.hasVibration) != true, isVibrating(values),
               let last = state.lastVibrationTime, time - last >= options.vibrationRefresh {
                state.encoder.reset()
                line = state.encoder.encode(values, at: time)
            }
            state.lastValues = values
            state.lastTime = time
            state.stopped = false
            guard let line else { return }
            if Self.hasVibration(line) || state.lastVibrationTime == nil { state.lastVibrationTime = time }
            try port.write(Array(line.utf8))
            state.lastWriteAt = monotonicNanoseconds()
        }
    }

    /// The priority path: what the OS still holds is discarded, then DSTOP and the
    /// vibration axes at zero go out ahead of anything else.
    public func stop() throws(BackendError) {
        try state.withLock { state throws(BackendError) in
            guard let port = state.port, !state.closed else { return }
            let bytes = Array(("\n" + state.encoder.stop()).utf8)
            state.stopped = true
            try port.writePriority(bytes)
            state.lastWriteAt = monotonicNanoseconds()
        }
    }

    /// TCode has no heartbeat; vibration is refreshed when nothing went out for a while.
    public func heartbeat() throws(BackendError) {
        if let error = failure.withLock({ $0 }) { throw error }
        try state.withLock { state throws(BackendError) in
            guard let port = state.port, !state.closed, !state.stopped, let values = state.lastValues,
                  isVibrating(values),
                  monotonicNanoseconds() &- state.lastWriteAt >= UInt64(options.vibrationRefresh * 1e9) else { return }
            state.encoder.reset()
            guard let line = state.encoder.encode(values, at: state.lastTime) else { return }
            try port.write(Array(line.utf8))
            state.lastWriteAt = monotonicNanoseconds()
        }
    }

    /// Leaves the device at zero (DSTOP unless `stop` was the last thing sent), lets the
    /// bytes leave, and closes the port.
    public func close() {
        let (port, reader) = state.withLock { state -> (SerialPort?, PortReader?) in
            guard !state.closed else { return (nil, nil) }
            state.closed = true
            if let port = state.port, !state.stopped, failure.withLock({ $0 }) == nil {
                try? port.writePriority(Array(("\n" + state.encoder.stop()).utf8))
                state.stopped = true
            }
            defer {
                state.port = nil
                state.reader = nil
            }
            return (state.port, state.reader)
        }
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
