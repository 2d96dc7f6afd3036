import KneadCore

/// Fault injection for tests and demos. Every fault is deterministic: a probability
/// draws from a generator seeded with `seed`, so a run repeats exactly.
///
/// Link faults (latency, drop, corrupt, disconnect) act on the messages the host
/// sends: frames and heartbeats. A stop is never dropped or corrupted (the wire
/// protocol's retransmit is what covers a lost stop on a real link), but it does
/// travel with the latency and cannot pass a disconnect. Stalls act on the device.
public struct SimulatorFaults: Sendable, Equatable {
    /// Which messages a fault hits.
    public enum Loss: Sendable, Equatable {
        case never
        /// The nth, 2nth, 3nth … message (counting frames and heartbeats from 1).
        case everyNth(Int)
        /// Each message with this probability (0…1), from the seeded generator.
        case probability(Double)
    }

    /// Added to every message's way to the device, seconds.
    public var latency: Double
    /// Messages lost on the way.
    public var drop: Loss
    /// Messages damaged on the way: one byte flipped, so the device's integrity check
    /// discards them (counted by the device as rejected).
    public var corrupt: Loss
    /// Line noise on a served port (`knead sim`): each byte either way is flipped with
    /// this probability (0…1). In process there are no bytes, so it does nothing there.
    public var byteCorruption: Double
    /// Times the device's control loop stops processing.
    public var stalls: [DeviceModel.Stall]
    /// Device time the link goes down for good: `send`, `heartbeat`, `flush` and `stop`
    /// throw `BackendError.disconnected` from then on, and nothing more arrives.
    public var disconnectAt: Double?
    /// The device sends nothing back: it hears and acts on what arrives, but no answer
    /// reaches the host (no identity, acknowledgement or telemetry). A host that waits
    /// to be answered at open fails there; one that never asks (TCode) plays on.
    public var mute: Bool
    /// Served port only: seconds after the host's first byte at which `mute` begins (0:
    /// from the start). A device that stops acknowledging mid-play.
    public var muteAfter: Double = 0
    /// Served port only (the knead wire protocol): the device's clock runs this fraction
    /// fast (negative: slow), e.g. 0.01 for a crystal 1 % off.
    public var clockDrift: Double = 0
    /// Served port only (the knead wire protocol): how the device misanswers HELLO.
    public var identify: IdentifyFault?
    /// Served port only: the device hangs up the moment a STOP reaches it (after acting
    /// on it), as a cable pulled while the host stops.
    public var hangUpOnStop = false
    public var seed: UInt64

    /// A device that answers its identification wrongly.
    public enum IdentifyFault: String, Sendable, Equatable, CaseIterable {
        /// An IDENTIFY whose payload is nonsense (its CRC right).
        case garbage
        /// IDENTIFY 3 s late, past the host's identify timeout.
        case slow
        /// 16 KiB of junk before each IDENTIFY, and IDENTIFY itself 50 times.
        case flood
    }

    public init(latency: Double = 0, drop: Loss = .never, corrupt: Loss = .never, byteCorruption: Double = 0,
                stalls: [DeviceModel.Stall] = [], disconnectAt: Double? = nil, mute: Bool = false, seed: UInt64 = 1) {
        self.mute = mute
        self.latency = latency
        self.drop = drop
        self.corrupt = corrupt
        self.byteCorruption = byteCorruption
        self.stalls = stalls
        self.disconnectAt = disconnectAt
        self.seed = seed
    }

    public static let none = SimulatorFaults()
}

/// What the link counted.
public struct LinkCounters: Sendable, Equatable {
    /// Frames and heartbeats handed to the link.
    public var messagesSent = 0
    /// Stops handed to the link (never dropped or corrupted).
    public var stopsSent = 0
    public var dropped = 0
    public var corrupted = 0
    /// Messages refused because the link was down.
    public var refusedAfterDisconnect = 0
    public init() {}
}

/// The link between host and device with its faults.
struct FaultyLink {
    enum Verdict: Equatable {
        case deliver
        case drop
        /// Damaged: the device's integrity check discards it.
        case corrupt
    }

    let faults: SimulatorFaults
    private var dropRandom: SplitMix64
    private var corruptRandom: SplitMix64
    private(set) var counters = LinkCounters()

    init(faults: SimulatorFaults) {
        self.faults = faults
        dropRandom = SplitMix64(seed: faults.seed)
        corruptRandom = SplitMix64(seed: faults.seed ^ 0x5DEE_CE66_D1CE_4E5B)
    }

    func isDown(at time: Double) -> Bool {
        guard let at = faults.disconnectAt else { return false }
        return time >= at
    }

    /// When a message sent at `time` reaches the device; nil if the link is down by then.
    func arrival(sentAt time: Double) -> Double? {
        let arrival = time + Swift.max(0, faults.latency.finiteOrZero)
        return isDown(at: arrival) ? nil : arrival
    }

    /// Judges one frame or heartbeat.
    mutating func judge() -> Verdict {
        counters.messagesSent += 1
        let index = counters.messagesSent
        if Self.hits(faults.drop, index: index, random: &dropRandom) {
            counters.dropped += 1
            return .drop
        }
        if Self.hits(faults.corrupt, index: index, random: &corruptRandom) {
            counters.corrupted += 1
            return .corrupt
        }
        return .deliver
    }

    mutating func noteStop() { counters.stopsSent += 1 }
    mutating func noteRefused() { counters.refusedAfterDisconnect += 1 }

    private static func hits(_ loss: SimulatorFaults.Loss, index: Int, random: inout SplitMix64) -> Bool {
        switch loss {
        case .never:
            return false
        case let .everyNth(n):
            return n > 0 && index % n == 0
        case let .probability(p):
            // Draw for every message so the sequence does not depend on other faults.
            return random.unit() < p
        }
    }
}
