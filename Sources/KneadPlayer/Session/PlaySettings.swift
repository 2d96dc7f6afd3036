import KneadSimulator

/// How to play a prepared session: where, how fast, what to record.
public struct PlaySettings: Sendable {
    /// Frames per second.
    public var rate: Double
    /// Simulator only: play this many times faster than real time.
    public var timeScale: Double
    /// Spin for the last 200 µs before each frame.
    public var precise: Bool
    /// Simulator only: write its trace (csv) here.
    public var tracePath: String?
    /// Simulator only: faults injected on its link and in the device (`--fault`).
    public var faults: SimulatorFaults
    public var location: DeviceLocation
    /// The process environment (driver options such as KNEAD_* variables).
    public var environment: [String: String]

    public init(rate: Double, timeScale: Double = 1, precise: Bool = false, tracePath: String? = nil,
                faults: SimulatorFaults = SimulatorFaults(), location: DeviceLocation = .simulator,
                environment: [String: String] = [:]) {
        self.rate = rate
        self.timeScale = timeScale
        self.precise = precise
        self.tracePath = tracePath
        self.faults = faults
        self.location = location
        self.environment = environment
    }
}
