import KneadCore
import KneadEngine

/// The simulated device as an engine backend, in the same process: frames go
/// straight to the model (through the fault-injecting link).
///
/// Time: the simulator keeps no clock of its own. It reads the injected time source
/// (the engine's clock: virtual in tests, real in play) at every call and runs the
/// model up to that instant first, so a host that falls silent is noticed the next
/// time anyone looks (`state`, `report`, any backend call): under a virtual clock,
/// advance the clock and read `state`, and the watchdog will have fired at exactly
/// its tick. Thread-safe: every call takes one lock.
public final class SimulatorBackend: Backend {
    public static let firmware = "knead-sim 1"

    let runtime: SimulatorRuntime

    /// - Parameters:
    ///   - now: device time in seconds, on the same scale as the engine's clock.
    ///   - trace: where the csv trace streams to (see Simulator/README.md); none when nil.
    public init(profile: DeviceProfile, configuration: SimulatorConfiguration = .init(),
                trace: TraceSink? = nil, now: @escaping @Sendable () -> Double) {
        runtime = SimulatorRuntime(profile: profile, configuration: configuration, trace: trace, now: now)
    }

    /// Runs on the engine's clock (nanoseconds → seconds).
    public convenience init(profile: DeviceProfile, configuration: SimulatorConfiguration = .init(),
                            trace: TraceSink? = nil, clock: any EngineClock) {
        self.init(profile: profile, configuration: configuration, trace: trace,
                  now: { Double(clock.now()) / 1_000_000_000 })
    }

    public var profile: DeviceProfile { runtime.profile }
    public var capabilities: BackendCapabilities { runtime.capabilities }
    public var telemetry: AsyncStream<Telemetry> { runtime.telemetry }

    public func open() throws(BackendError) -> DeviceIdentity { try runtime.open() }
    public func send(_ frame: SafeFrame) throws(BackendError) { try runtime.send(frame) }
    public func flush() throws(BackendError) { try runtime.flush() }
    public func stop() throws(BackendError) { try runtime.stop() }
    public func heartbeat() throws(BackendError) { try runtime.heartbeat() }
    /// Sends stop (if the link is up), lets the device run on until it is at rest,
    /// finishes the trace and the telemetry stream.
    public func close() { runtime.close() }

    /// The device now (the last state once closed).
    public var state: DeviceState { runtime.currentState() }
    /// Error figures, counters and the last state.
    public var report: SimulatorReport { runtime.report() }
    /// Direct access to the model, under the lock, after running it up to now.
    public func withModel<Result>(_ body: (DeviceModel) throws -> Result) rethrows -> Result {
        try runtime.withModel(body)
    }
}
