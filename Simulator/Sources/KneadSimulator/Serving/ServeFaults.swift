/// The faults `knead sim --fault SPEC` injects on a served port. The spec is the one
/// `knead play --fault` takes for the built-in simulator (`SimulatorFaults(spec:)`,
/// FaultSpec.swift), read for a byte line:
///
///     noise=1%          each byte, either way, has a bit flipped with this probability
///     corrupt=2%        each message from the host has one byte damaged (every:N: every Nth)
///     drop=2%           each message from the host is lost (every:N: every Nth)
///     latency=5ms       the host's bytes arrive this much later
///     stall=10s+2s      the device stops reading and acting for 2 s, 10 s in
///     hangup=20s        the device hangs up (closes its end of the line) 20 s in
///     mute              the device never answers (it still acts on what it hears)
///     mute=2s           … from 2 s in: a device that stops acknowledging mid-play
///     hangup=stop       the device hangs up the moment a STOP reaches it (after acting on it)
///     drift=1%          the wire protocol device's clock runs 1 % fast (-1%: slow)
///     identify=garbage  the wire protocol device answers HELLO with nonsense (slow: 3 s
///                       late; flood: 16 KiB of junk, then 50 IDENTIFYs)
///     seed=7            the generator behind every probability
///
/// Times count from the first byte the host sends, so a fault lands at the same point
/// of a play however long before it the simulator was started. A message is a line
/// for TCode, a frame (up to its 0x00) for the knead wire protocol; a dropped
/// message's bytes are lost but its ending arrives, as when the bytes were garbled
/// beyond recognition.
public struct ServeFaults: Sendable, Equatable {
    public typealias Loss = SimulatorFaults.Loss
    public typealias Stall = DeviceModel.Stall

    /// Probability, 0…1, that a byte has a bit flipped (both directions).
    public var noise: Double
    /// Messages from the host with one byte damaged.
    public var corrupt: Loss
    public var drop: Loss
    /// Seconds added to the way of every byte from the host.
    public var latency: Double
    /// `at`: seconds after the host's first byte.
    public var stalls: [Stall]
    /// Seconds after the host's first byte.
    public var hangUpAt: Double?
    public var mute: Bool
    /// Seconds after the host's first byte from which `mute` holds.
    public var muteAfter: Double = 0
    public var clockDrift: Double = 0
    public var identify: SimulatorFaults.IdentifyFault?
    public var hangUpOnStop = false
    public var seed: UInt64

    public init(noise: Double = 0, corrupt: Loss = .never, drop: Loss = .never, latency: Double = 0,
                stalls: [Stall] = [], hangUpAt: Double? = nil, mute: Bool = false, seed: UInt64 = 1) {
        self.noise = noise
        self.corrupt = corrupt
        self.drop = drop
        self.latency = latency
        self.stalls = stalls
        self.hangUpAt = hangUpAt
        self.mute = mute
        self.seed = seed
    }

    /// The same faults on a served port: message faults act on the host's messages,
    /// times count from the host's first byte.
    public init(_ faults: SimulatorFaults) {
        self.init(noise: faults.byteCorruption, corrupt: faults.corrupt, drop: faults.drop, latency: faults.latency,
                  stalls: faults.stalls, hangUpAt: faults.disconnectAt, mute: faults.mute, seed: faults.seed)
        muteAfter = faults.muteAfter
        clockDrift = faults.clockDrift
        identify = faults.identify
        hangUpOnStop = faults.hangUpOnStop
    }

    /// Whether the device's answers are lost at `elapsed` seconds after the host's first
    /// byte (nil: no byte yet).
    public func isMuted(at elapsed: Double?) -> Bool {
        guard mute else { return false }
        guard muteAfter > 0 else { return true }
        return elapsed.map { $0 >= muteAfter } ?? false
    }

    public static let none = ServeFaults()

    public var isEmpty: Bool { self == ServeFaults(seed: seed) }

    /// Whether the device is stalled at `elapsed` seconds after the host's first byte.
    public func isStalled(at elapsed: Double) -> Bool {
        stalls.contains { elapsed >= $0.at && elapsed < $0.at + $0.duration }
    }

    /// Parses `noise=1%,stall=3s+500ms,mute` as `SimulatorFaults(spec:)` does (one
    /// spec, one meaning for play and sim), whose errors name the item and the fix.
    public static func parse(_ spec: String) throws(SimulatorFaults.SpecError) -> ServeFaults {
        ServeFaults(try SimulatorFaults(spec: spec))
    }

    /// The spec again, in the form `parse` reads (for the banner and the summary).
    public var description: String {
        var parts: [String] = []
        if noise > 0 { parts.append("noise=\(Self.percent(noise))") }
        if let corrupt = Self.loss(corrupt) { parts.append("corrupt=\(corrupt)") }
        if let drop = Self.loss(drop) { parts.append("drop=\(drop)") }
        if latency > 0 { parts.append("latency=\(Self.duration(latency))") }
        for stall in stalls { parts.append("stall=\(Self.duration(stall.at))+\(Self.duration(stall.duration))") }
        if let hangUpAt { parts.append("hangup=\(Self.duration(hangUpAt))") }
        if hangUpOnStop { parts.append("hangup=stop") }
        if mute { parts.append(muteAfter > 0 ? "mute=\(Self.duration(muteAfter))" : "mute") }
        if clockDrift != 0 { parts.append("drift=\(Self.number(clockDrift * 100))%") }
        if let identify { parts.append("identify=\(identify.rawValue)") }
        if seed != 1 { parts.append("seed=\(seed)") }
        return parts.isEmpty ? "none" : parts.joined(separator: ",")
    }

    static func loss(_ loss: Loss) -> String? {
        switch loss {
        case .never: return nil
        case let .everyNth(n): return "every:\(n)"
        case let .probability(p): return p > 0 ? percent(p) : nil
        }
    }

    static func percent(_ probability: Double) -> String { number(probability * 100) + "%" }

    static func number(_ value: Double) -> String {
        let rounded = (value * 1e6).rounded() / 1e6
        return rounded == rounded.rounded() && Swift.abs(rounded) < 1e15 ? String(Int(rounded)) : String(rounded)
    }

    static func duration(_ seconds: Double) -> String {
        if seconds > 0 && seconds < 1 { return number(seconds * 1000) + "ms" }
        return number(seconds) + "s"
    }
}
