/// The faults `knead sim --fault SPEC` injects on a served port, parsed from a short
/// comma-separated text (docs/sim.md):
///
///     corrupt=1%      each byte, either way, has one bit flipped with this probability
///     drop=5          every 5th message from the host is lost (drop=2% : each with 2 %)
///     stall=2s@10s    the device stops reading and acting for 2 s, 10 s in
///     hangup@20s      the device hangs up (closes its end of the line) 20 s in
///     mute            the device never answers (it acts on what it hears)
///     seed=7          the generator behind corrupt and drop (default 1)
///
/// Times count from the first byte the host sends, so a fault lands at the same point
/// of a play however long before it the simulator was started. A message is a line
/// for TCode, a frame (up to its 0x00) for the knead wire protocol; a dropped
/// message's bytes are lost but its ending arrives, as on a line where the bytes were
/// garbled beyond recognition.
public struct ServeFaults: Sendable, Equatable {
    public enum Loss: Sendable, Equatable {
        case never
        /// The nth, 2nth, 3nth … message.
        case everyNth(Int)
        /// Each with this probability, 0…1.
        case probability(Double)
    }

    public struct Stall: Sendable, Equatable {
        /// Seconds after the host's first byte.
        public var at: Double
        public var duration: Double
        public init(at: Double, duration: Double) {
            self.at = at
            self.duration = duration
        }
    }

    /// Probability, 0…1, that a byte has a bit flipped (both directions).
    public var corrupt: Double
    public var drop: Loss
    public var stalls: [Stall]
    /// Seconds after the host's first byte.
    public var hangUpAt: Double?
    public var mute: Bool
    public var seed: UInt64

    public init(corrupt: Double = 0, drop: Loss = .never, stalls: [Stall] = [], hangUpAt: Double? = nil,
                mute: Bool = false, seed: UInt64 = 1) {
        self.corrupt = corrupt
        self.drop = drop
        self.stalls = stalls
        self.hangUpAt = hangUpAt
        self.mute = mute
        self.seed = seed
    }

    public static let none = ServeFaults()

    public var isEmpty: Bool { self == ServeFaults(seed: seed) }

    /// Whether the device is stalled at `elapsed` seconds after the host's first byte.
    public func isStalled(at elapsed: Double) -> Bool {
        stalls.contains { elapsed >= $0.at && elapsed < $0.at + $0.duration }
    }

    /// The spec again, in the form `parse` reads (for messages and the summary).
    public var description: String {
        var parts: [String] = []
        if corrupt > 0 { parts.append("corrupt=\(Self.number(corrupt * 100))%") }
        switch drop {
        case .never: break
        case let .everyNth(n): parts.append("drop=\(n)")
        case let .probability(p): parts.append("drop=\(Self.number(p * 100))%")
        }
        for stall in stalls { parts.append("stall=\(Self.duration(stall.duration))@\(Self.duration(stall.at))") }
        if let hangUpAt { parts.append("hangup@\(Self.duration(hangUpAt))") }
        if mute { parts.append("mute") }
        if seed != 1 { parts.append("seed=\(seed)") }
        return parts.isEmpty ? "none" : parts.joined(separator: ",")
    }

    // MARK: Parsing

    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public var description: String
    }

    public static let syntax = "corrupt=1%, drop=5, drop=2%, stall=2s@10s, hangup@20s, mute, seed=7"

    /// Parses a spec such as `corrupt=1%,stall=500ms@3s`. Every item is checked; the
    /// error names the item and what it should look like.
    public static func parse(_ text: String) throws(ParseError) -> ServeFaults {
        var faults = ServeFaults()
        let items = text.split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.trimmingBlanks }
        for item in items {
            guard !item.isEmpty else {
                throw ParseError(description: "'\(text)' has an empty item: separate faults with single commas, e.g. \(syntax)")
            }
            try apply(item, to: &faults)
        }
        return faults
    }

    private static func apply(_ item: Substring, to faults: inout ServeFaults) throws(ParseError) {
        let lowered = item.lowercased()
        func fail(_ what: String) -> ParseError {
            ParseError(description: "'\(item)': \(what)")
        }
        if lowered == "mute" {
            faults.mute = true
            return
        }
        if lowered.hasPrefix("hangup@") {
            guard let at = parseDuration(lowered.dropFirst("hangup@".count), allowZero: true) else {
                throw fail("write the time of the hang-up after the host's first byte, e.g. hangup@20s")
            }
            faults.hangUpAt = at
            return
        }
        guard let equals = lowered.firstIndex(of: "=") else {
            throw fail("not a fault; use \(syntax)")
        }
        let key = lowered[..<equals]
        let value = lowered[lowered.index(after: equals)...]
        switch key {
        case "corrupt":
            guard value.hasSuffix("%"), let percent = Double(value.dropLast()), percent.isFinite,
                  percent >= 0, percent <= 100 else {
                throw fail("give the share of bytes to corrupt as a percentage from 0% to 100%, e.g. corrupt=1%")
            }
            faults.corrupt = percent / 100
        case "drop":
            if value.hasSuffix("%") {
                guard let percent = Double(value.dropLast()), percent.isFinite, percent >= 0, percent <= 100 else {
                    throw fail("give the share of messages to drop as a percentage from 0% to 100%, e.g. drop=2%")
                }
                faults.drop = percent == 0 ? .never : .probability(percent / 100)
            } else {
                guard let every = Int(value), every >= 1 else {
                    throw fail("give a whole number n ≥ 1 to drop every nth message (drop=5), or a percentage (drop=2%)")
                }
                faults.drop = .everyNth(every)
            }
        case "stall":
            let parts = value.split(separator: "@", omittingEmptySubsequences: false)
            guard parts.count == 2, let duration = parseDuration(parts[0], allowZero: false),
                  let at = parseDuration(parts[1], allowZero: true) else {
                throw fail("write how long and when, e.g. stall=2s@10s (2 s, starting 10 s after the host's first byte)")
            }
            faults.stalls.append(Stall(at: at, duration: duration))
        case "seed":
            guard let seed = UInt64(value) else { throw fail("the seed is a whole number, e.g. seed=7") }
            faults.seed = seed
        case "hangup":
            throw fail("write the time with @, e.g. hangup@20s")
        default:
            throw fail("unknown fault '\(key)'; use \(syntax)")
        }
    }

    /// `500ms`, `2s`, `1.5min`; a bare number is refused (the unit is not obvious).
    static func parseDuration(_ text: some StringProtocol, allowZero: Bool) -> Double? {
        let units: [(String, Double)] = [("ms", 0.001), ("min", 60), ("s", 1)]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            guard let value = Double(text.dropLast(suffix.count)), value.isFinite,
                  allowZero ? value >= 0 : value > 0 else { return nil }
            return value * scale
        }
        return nil
    }

    static func number(_ value: Double) -> String {
        value == value.rounded() && Swift.abs(value) < 1e15 ? String(Int(value)) : String(value)
    }

    static func duration(_ seconds: Double) -> String {
        if seconds > 0 && seconds < 1 { return number((seconds * 1000 * 1000).rounded() / 1000) + "ms" }
        return number(seconds) + "s"
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs.
    fileprivate var trimmingBlanks: Substring {
        var slice = Substring(self)
        while let first = slice.first, first == " " || first == "\t" { slice.removeFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice.removeLast() }
        return slice
    }
}
