import KneadSystem
import KneadCore

/// When the host's engine stalls: for `duration`, at random moments about once a
/// second (each 0.5 … 1.5 s of session time after the one before); seeded, so runs repeat.
public final class StallPlan: Sendable {
    public let duration: Double
    private let state: Locked<(random: SplitMix64, next: Double, count: Int)>

    public init(duration: Double, seed: UInt64) {
        self.duration = duration
        var random = SplitMix64(seed: seed)
        let first = 0.5 + random.unit()
        state = Locked((random, first, 0))
    }

    /// Stalls drawn so far.
    public var count: Int { state.withLock { $0.count } }

    /// Whether to stall before sending the frame of session time `time`.
    public func draw(at time: Double) -> Bool {
        state.withLock { state in
            guard time >= state.next else { return false }
            state.next = time + 0.5 + state.random.unit()
            state.count += 1
            return true
        }
    }
}
