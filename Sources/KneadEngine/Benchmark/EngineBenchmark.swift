import KneadCore
import KneadSystem

/// What `knead bench engine` reports for one run.
public struct EngineBenchmarkResult: Sendable, Equatable {
    public var rate: Double
    /// Seconds the benchmark played before asking the engine to stop.
    public var seconds: Double
    public var precise: Bool
    /// The run as the engine saw it; it ends `.stopped(.user)`, so `stopLatency` is set.
    public var run: RunResult
    /// CPU time of the engine's thread as a percentage of one core.
    public var cpuPercent: Double
    /// Peak resident memory of the whole process (VmHWM), bytes; nil where unreadable.
    public var peakResidentBytes: Int?

    public var statistics: RunStatistics { run.statistics }
}

/// The engine on the real clock against a supplied backend, for `knead bench engine`.
public enum EngineBenchmark {
    /// Plays a synthetic pattern (intensity and position moving smoothly, through a
    /// safety envelope for the chair) at `rate` Hz for `seconds` of real time, then
    /// requests a stop from another thread, as Ctrl-C would, to measure stop latency.
    ///
    /// Blocks for about `seconds`. The backend should be open; the caller closes it.
    public static func run(seconds: Double, rate: Double, backend: any Backend, precise: Bool = false,
                           configuration: EngineConfiguration? = nil) -> EngineBenchmarkResult {
        var configuration = configuration ?? EngineConfiguration()
        configuration.rate = rate
        let engine = Engine(backend: backend, clock: MonotonicClock(precise: precise),
                            configuration: configuration)
        // Frames for a little longer than the benchmark, so the run ends by the stop.
        let frames = BenchmarkFrames(rate: rate, seconds: seconds + 5)

        let stopper = RealtimeThread.start {
            let clock = MonotonicClock()
            clock.sleep(until: clock.now() &+ Nanoseconds.from(seconds: seconds), precise: false)
            engine.requestStop(.user)
        }
        let result = engine.run(frames)
        if let stopper { RealtimeThread.join(stopper) }

        return EngineBenchmarkResult(rate: rate, seconds: seconds, precise: precise, run: result,
                                     cpuPercent: result.statistics.cpuPercent,
                                     peakResidentBytes: ProcessMemory.peakResidentBytes())
    }
}

/// A smooth synthetic session: intensity breathing at 0.5 Hz, the position circling
/// the upper back every 8 s. Generated lazily, so memory does not grow with length.
struct BenchmarkFrames: IteratorProtocol, Sendable {
    let rate: Double
    let count: Int
    private var index = 0
    private let envelope: SafetyEnvelope

    init(rate: Double, seconds: Double) {
        let rate = rate > 0 && rate.isFinite ? rate : 100
        self.rate = rate
        count = Int((max(0, seconds) * rate).rounded(.down)) + 1
        envelope = SafetyEnvelope(limits: .resolve(device: .chair))
    }

    mutating func next() -> SafeFrame? {
        guard index < count else { return nil }
        let time = Double(index) / rate
        index += 1
        let turns = time / 8
        var frame = Frame.zero(at: time, position: BackPoint(x: 0.5 + 0.25 * cosTurns(turns),
                                                             y: 0.5 + 0.25 * sinTurns(turns)))
        frame.intensity = 0.5 + 0.3 * sinTurns(0.5 * time)
        frame.pressure = 0.4
        return envelope.admit(frame)
    }
}
