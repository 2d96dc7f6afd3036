import KneadCore

/// Applies `ServeFaults`' line faults to the bytes of a served port: messages from the
/// host dropped (whole, up to their ending) or damaged (one byte), and noise on bytes
/// either way. Deterministic: the same seed and the same bytes give the same damage.
struct ByteFaultInjector {
    struct Counters: Sendable, Equatable {
        /// Bytes flipped by noise, either way.
        var corruptedBytes = 0
        var corruptedMessages = 0
        var droppedMessages = 0
        var droppedBytes = 0
    }

    let faults: ServeFaults
    /// Bytes that end a message from the host (`\n` and `\r` for TCode, 0x00 for the
    /// knead wire protocol).
    let endings: [UInt8]
    private var dropRandom: SplitMix64
    private var corruptRandom: SplitMix64
    private var noiseRandom: SplitMix64
    private var messages = 0
    private var inMessage = false
    private var droppingMessage = false
    /// The mask for the next byte of a message chosen for damage (0: none).
    private var damageMask: UInt8 = 0
    private(set) var counters = Counters()

    init(faults: ServeFaults, endings: [UInt8]) {
        self.faults = faults
        self.endings = endings
        dropRandom = SplitMix64(seed: faults.seed)
        corruptRandom = SplitMix64(seed: faults.seed ^ 0x5DEE_CE66_D1CE_4E5B)
        noiseRandom = SplitMix64(seed: faults.seed ^ 0x2545_F491_4F6C_DD1D)
    }

    /// What of `bytes` from the host reaches the device.
    mutating func fromHost(_ bytes: some Collection<UInt8>) -> [UInt8] {
        var kept: [UInt8] = []
        kept.reserveCapacity(bytes.count)
        for byte in bytes {
            if endings.contains(byte) {
                inMessage = false
                droppingMessage = false
                kept.append(corrupted(byte))
                continue
            }
            if !inMessage {
                inMessage = true
                messages += 1
                droppingMessage = Self.hits(faults.drop, index: messages, random: &dropRandom)
                if droppingMessage {
                    counters.droppedMessages += 1
                } else if Self.hits(faults.corrupt, index: messages, random: &corruptRandom) {
                    counters.corruptedMessages += 1
                    damageMask = UInt8(truncatingIfNeeded: corruptRandom.next()) | 1
                }
            }
            if droppingMessage {
                counters.droppedBytes += 1
            } else {
                // A damaged message has its first byte flipped: enough for the
                // device's check (TCode's parser, the wire protocol's COBS and CRC).
                kept.append(corrupted(byte) ^ damageMask)
                damageMask = 0
            }
        }
        return kept
    }

    /// What of `bytes` from the device reaches the host.
    mutating func toHost(_ bytes: some Collection<UInt8>) -> [UInt8] {
        guard faults.noise > 0 else { return Array(bytes) }
        return bytes.map { corrupted($0) }
    }

    /// A host that goes away ends its message in the middle.
    mutating func resetMessage() {
        inMessage = false
        droppingMessage = false
        damageMask = 0
    }

    private static func hits(_ loss: ServeFaults.Loss, index: Int, random: inout SplitMix64) -> Bool {
        switch loss {
        case .never: return false
        case let .everyNth(n): return n > 0 && index % n == 0
        case let .probability(p): return random.unit() < p
        }
    }

    private mutating func corrupted(_ byte: UInt8) -> UInt8 {
        guard faults.noise > 0 else { return byte }
        // One draw per byte, so where noise falls does not depend on the bytes.
        let draw = noiseRandom.next()
        guard Double(draw >> 11) * 0x1.0p-53 < faults.noise else { return byte }
        counters.corruptedBytes += 1
        return byte ^ (1 << UInt8(truncatingIfNeeded: draw & 7))
    }
}
