import KneadCore
import KneadEngine
import Foundation

/// How a simulator backend is set up.
public struct SimulatorConfiguration: Sendable {
    /// The model's settings (tick rate, ambient temperature, watchdog, body…). Its
    /// `startTime` is replaced by the time source's reading when the backend is made:
    /// tick 0 is that instant, and the trace's time column counts from it.
    public var device: DeviceModel.Configuration
    /// `.immediate`: each setpoint takes effect when it arrives. `.lead(seconds)`:
    /// frames come that far ahead and wait in the device's lead buffer for their time.
    public var mode: BackendCapabilities.Mode
    public var faults: SimulatorFaults
    /// Device time of session time 0. When nil it is taken from the first frame the
    /// way the engine sends: its send time minus its session time (plus the lead in
    /// lead mode, where session time 0 is `lead` after the first send).
    public var sessionOrigin: Double?
    /// A trace row every this many seconds of device time (every tick when nil); every
    /// event gets a row as well.
    public var traceInterval: Double?
    /// At `close()` the device runs on (in device time) until it is at rest at zero,
    /// at most this many seconds, so the trace and `state` show where it ends up.
    public var runOnAtClose: Double

    public init(device: DeviceModel.Configuration = .init(), mode: BackendCapabilities.Mode = .immediate,
                faults: SimulatorFaults = .none, sessionOrigin: Double? = nil,
                traceInterval: Double? = 0.01, runOnAtClose: Double = 10) {
        self.device = device
        self.mode = mode
        self.faults = faults
        self.sessionOrigin = sessionOrigin
        self.traceInterval = traceInterval
        self.runOnAtClose = runOnAtClose
    }
}

/// Everything a run of the simulator measured.
public struct SimulatorReport: Sendable, Equatable {
    /// The device's state at the last tick it ran to.
    public var state: DeviceState
    public var errors: DeviceErrorSummary
    public var device: DeviceCounters
    public var link: LinkCounters
    /// Set when writing the trace failed (the run itself went on).
    public var traceError: String?
}

/// `SimulatorBackend`'s machinery: the model under a lock, the faulty link, the session
/// origin, the telemetry stream.
///
/// `@unchecked Sendable`: all mutable state lives in `storage`, touched only inside
/// `locked`, so one thread at a time owns it.
final class SimulatorRuntime: @unchecked Sendable {
    struct State {
        let model: DeviceModel
        var link: FaultyLink
        var origin: Double?
        var opened = false
        var closed = false
        let identity: DeviceIdentity
    }

    let capabilities: BackendCapabilities
    let profile: DeviceProfile
    let telemetry: AsyncStream<Telemetry>
    private let continuation: AsyncStream<Telemetry>.Continuation
    private let now: @Sendable () -> Double
    private let lead: Double?
    private let runOnAtClose: Double
    private let lock = NSLock()
    private var storage: State

    init(profile: DeviceProfile, configuration: SimulatorConfiguration, trace: TraceSink?,
         now: @escaping @Sendable () -> Double) {
        self.profile = profile
        self.now = now
        var channels: Set<BackendCapabilities.Channel> = [.intensity]
        if profile.position != nil { channels.insert(.position) }
        if profile.pressure != nil { channels.insert(.pressure) }
        if profile.heat != nil { channels.insert(.heat) }
        capabilities = BackendCapabilities(channels: channels, intensitySteps: profile.intensity.steps,
                                           maxRate: profile.maxRate, mode: configuration.mode)
        if case let .lead(seconds) = configuration.mode { lead = seconds } else { lead = nil }
        runOnAtClose = configuration.runOnAtClose

        let (stream, continuation) = AsyncStream.makeStream(of: Telemetry.self,
                                                            bufferingPolicy: .bufferingNewest(1024))
        telemetry = stream
        self.continuation = continuation

        var deviceConfiguration = configuration.device
        deviceConfiguration.startTime = now().finiteOrZero
        deviceConfiguration.stalls += configuration.faults.stalls
        let model = DeviceModel(profile: profile, configuration: deviceConfiguration)
        if !configuration.faults.mute { model.onTelemetry = { continuation.yield($0) } }
        if let trace {
            model.attachTrace(TraceWriter(sink: trace, timeDecimals: Self.decimals(for: model.tickRate)),
                              interval: configuration.traceInterval)
        }
        if let at = configuration.faults.disconnectAt { model.mark(.disconnect, at: at) }

        let identity = DeviceIdentity(model: "knead simulator (\(profile.name))", firmware: SimulatorBackend.firmware,
                                      protocolName: "in-process")
        storage = State(model: model, link: FaultyLink(faults: configuration.faults),
                        origin: configuration.sessionOrigin, identity: identity)
    }

    /// Decimals of the trace's time column that resolve one tick.
    static func decimals(for tickRate: Int) -> Int {
        var decimals = 0, power = 1
        while power < tickRate && decimals < 7 {
            decimals += 1
            power *= 10
        }
        return decimals
    }

    private func locked<Result, Failure: Error>(_ body: (inout State) throws(Failure) -> Result) throws(Failure) -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&storage)
    }

    // MARK: Backend operations

    func open() throws(BackendError) -> DeviceIdentity {
        let time = now()
        return try locked { (state: inout State) throws(BackendError) -> DeviceIdentity in
            guard !state.closed else { throw .refused("the simulator was closed; make a new one") }
            if state.link.isDown(at: time) { throw Self.hungUp(state.link) }
            catchUp(&state, to: time)
            // Identifying is the device answering; a muted one never does.
            if state.link.faults.mute {
                throw .protocolError("the simulated device did not answer identify (fault injection: mute)")
            }
            state.opened = true
            return state.identity
        }
    }

    func send(_ frame: SafeFrame) throws(BackendError) {
        let time = now()
        try locked { (state: inout State) throws(BackendError) in
            try usable(&state, at: time)
            catchUp(&state, to: time)
            let sessionTime = frame.frame.time.finiteOrZero
            let origin = state.origin ?? (time - sessionTime + (lead ?? 0))
            state.origin = origin
            let command = DeviceCommand.setpoint(DeviceSetpoint(frame.frame), due: origin + sessionTime,
                                                 timing: lead == nil ? .onArrival : .scheduled)
            transmit(command, droppable: true, at: time, in: &state)
        }
    }

    func heartbeat() throws(BackendError) {
        let time = now()
        try locked { (state: inout State) throws(BackendError) in
            try usable(&state, at: time)
            catchUp(&state, to: time)
            transmit(.heartbeat, droppable: true, at: time, in: &state)
        }
    }

    func flush() throws(BackendError) {
        let time = now()
        try locked { (state: inout State) throws(BackendError) in
            try usable(&state, at: time)
            catchUp(&state, to: time)
        }
    }

    func stop() throws(BackendError) {
        let time = now()
        try locked { (state: inout State) throws(BackendError) in
            guard !state.closed else { return }  // close already left it at zero
            if state.link.isDown(at: time) { throw Self.hungUp(state.link) }
            catchUp(&state, to: time)
            transmit(.stop, droppable: false, at: time, in: &state)
        }
    }

    func close() {
        let time = now()
        locked { state in
            guard !state.closed else { return }
            state.closed = true
            catchUp(&state, to: time)
            if !state.link.isDown(at: time) { transmit(.stop, droppable: false, at: time, in: &state) }
            // Let everything in flight land, then the device come to rest.
            let model = state.model
            model.advance(to: Swift.max(time, time + state.link.faults.latency.finiteOrZero))
            model.runUntilAtRest(limit: runOnAtClose)
            model.publishTelemetry()
            model.finishTrace()
            continuation.finish()
        }
    }

    // MARK: Reading

    /// Runs the device up to the time source's now (unless closed) and returns its state.
    func currentState() -> DeviceState {
        let time = now()
        return locked { state in
            if !state.closed { catchUp(&state, to: time) }
            return state.model.state
        }
    }

    func report() -> SimulatorReport {
        let time = now()
        return locked { state in
            if !state.closed { catchUp(&state, to: time) }
            let model = state.model
            return SimulatorReport(state: model.state, errors: model.errorSummary, device: model.counters,
                                   link: state.link.counters, traceError: model.traceError?.description)
        }
    }

    func withModel<Result>(_ body: (DeviceModel) throws -> Result) rethrows -> Result {
        let time = now()
        return try locked { state in
            if !state.closed { catchUp(&state, to: time) }
            return try body(state.model)
        }
    }

    // MARK: Internals (under the lock)

    private func usable(_ state: inout State, at time: Double) throws(BackendError) {
        guard !state.closed else { throw .refused("the simulator was closed; make a new one") }
        guard state.opened else { throw .refused("the simulator is not open: call open() first") }
        if state.link.isDown(at: time) {
            state.link.noteRefused()
            throw Self.hungUp(state.link)
        }
    }

    private static func hungUp(_ link: FaultyLink) -> BackendError {
        let at = link.faults.disconnectAt ?? 0
        return .disconnected("the simulated device hung up at \(at) s (fault injection: disconnect)")
    }

    private func catchUp(_ state: inout State, to time: Double) {
        state.model.advance(to: time)
    }

    private func transmit(_ command: DeviceCommand, droppable: Bool, at time: Double, in state: inout State) {
        let verdict: FaultyLink.Verdict
        if droppable {
            verdict = state.link.judge()
        } else {
            state.link.noteStop()
            verdict = .deliver
        }
        guard let arrival = state.link.arrival(sentAt: time) else { return }  // lost as the link went down
        switch verdict {
        case .drop: return
        case .corrupt: state.model.receiveDamaged(at: arrival)
        case .deliver: state.model.receive(command, at: arrival)
        }
    }
}
