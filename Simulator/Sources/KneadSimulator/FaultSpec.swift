/// Faults written as text, for command lines (`knead sim --fault SPEC`):
/// comma-separated items, each `name=value`:
///
///     latency=5ms            every message this much later (a unit is required: ms or s)
///     drop=2%                each frame or heartbeat lost with this probability
///     drop=every:10          every 10th frame or heartbeat lost
///     corrupt=1% | every:N   frames or heartbeats damaged (the device's check discards them)
///     noise=0.5%             byte pipes: each byte flipped with this probability
///     stall=3s+200ms         the device stops processing at 3 s for 200 ms (repeatable)
///     hangup=10s             the link goes down for good at 10 s
///     mute                   the device sends nothing back (see `SimulatorFaults.mute`)
///     mute=2s                served port: the device stops answering 2 s in
///     hangup=stop            served port: the device hangs up when a STOP reaches it
///     drift=1%               served port, wire protocol: the device clock runs 1 % fast (-1%: slow)
///     identify=garbage       served port, wire protocol: HELLO is answered with nonsense
///                            (also slow: 3 s late; flood: junk and 50 answers)
///     seed=42                the generator behind every probability
///
/// For example `drop=1%,stall=5s+100ms,hangup=30s`. Each name may appear once (a
/// repeated one is an error, not last-wins), except `stall`, which adds a window.
extension SimulatorFaults {
    public struct SpecError: Error, Equatable, CustomStringConvertible {
        public var item: String
        public var problem: String
        public var description: String {
            "fault \"\(item)\": \(problem). Write items as name=value, comma-separated: latency=5ms, drop=2% or "
                + "drop=every:10, corrupt=1% or corrupt=every:7, noise=0.5%, stall=3s+200ms, hangup=10s or hangup=stop, "
                + "mute or mute=2s, drift=1%, identify=garbage|slow|flood, seed=42"
        }
    }

    public init(spec: String) throws(SpecError) {
        self.init()
        var seen: Set<String> = []
        for rawItem in spec.split(separator: ",") {
            let item = rawItem.trimmingSpaces
            guard !item.isEmpty else { continue }
            if item.lowercased() == "mute" {
                guard seen.insert("mute").inserted else {
                    throw SpecError(item: item, problem: "mute is given twice")
                }
                mute = true
                continue
            }
            let parts = item.split(separator: "=", maxSplits: 1).map { String($0).trimmingSpaces }
            guard parts.count == 2, !parts[1].isEmpty else {
                throw SpecError(item: item, problem: "expected name=value")
            }
            let (name, value) = (parts[0].lowercased(), parts[1])
            // hangup and disconnect are one fault under two names.
            let key = name == "disconnect" ? "hangup" : name
            if key != "stall" && !seen.insert(key).inserted {
                throw SpecError(item: item, problem: "\(key) is given twice: give each fault once")
            }
            switch name {
            case "latency":
                latency = try Self.duration(value, item: item)
            case "drop":
                drop = try Self.loss(value, item: item)
            case "corrupt":
                corrupt = try Self.loss(value, item: item)
            case "noise":
                byteCorruption = try Self.percentage(value, item: item)
            case "stall":
                let pieces = value.split(separator: "+", maxSplits: 1).map(String.init)
                guard pieces.count == 2 else {
                    throw SpecError(item: item, problem: "a stall is START+DURATION, for example 3s+200ms")
                }
                let stall = DeviceModel.Stall(at: try Self.duration(pieces[0], item: item),
                                              duration: try Self.duration(pieces[1], item: item))
                stalls.append(stall)
            case "hangup", "disconnect":
                if value.lowercased() == "stop" {
                    hangUpOnStop = true
                } else {
                    disconnectAt = try Self.duration(value, item: item)
                }
            case "mute":
                mute = true
                muteAfter = try Self.duration(value, item: item)
            case "drift":
                let isPercent = value.hasSuffix("%")
                guard let number = Double(isPercent ? String(value.dropLast()) : value), number.isFinite else {
                    throw SpecError(item: item, problem: "\"\(value)\" is not a drift (write 1% or -0.5%)")
                }
                let drift = isPercent ? number / 100 : number
                guard Swift.abs(drift) <= 0.1 else {
                    throw SpecError(item: item, problem: "a clock drift is between -10% and 10%")
                }
                clockDrift = drift
            case "identify":
                guard let fault = IdentifyFault(rawValue: value.lowercased()) else {
                    throw SpecError(item: item, problem: "identify is garbage, slow or flood")
                }
                identify = fault
            case "seed":
                guard let number = UInt64(value) else {
                    throw SpecError(item: item, problem: "the seed is a whole number")
                }
                seed = number
            default:
                throw SpecError(item: item, problem: "unknown fault \"\(name)\"")
            }
        }
    }

    /// `5ms`, `0.2s`: not negative, finite. The unit is required: a bare `5` reads as
    /// milliseconds to one person and seconds to another.
    static func duration(_ text: String, item: String) throws(SpecError) -> Double {
        var number = Substring(text), scale = 1.0
        if number.hasSuffix("ms") {
            number = number.dropLast(2)
            scale = 0.001
        } else if number.hasSuffix("s") {
            number = number.dropLast()
        } else if Double(number) != nil {
            throw SpecError(item: item, problem: "\"\(text)\" needs a unit: write \(text)ms or \(text)s")
        }
        guard let value = Double(number), value.isFinite, value >= 0 else {
            throw SpecError(item: item, problem: "\"\(text)\" is not a duration (write 200ms or 1.5s)")
        }
        return value * scale
    }

    /// `2%` or `0.02`: within 0…1.
    static func percentage(_ text: String, item: String) throws(SpecError) -> Double {
        let isPercent = text.hasSuffix("%")
        guard let number = Double(isPercent ? String(text.dropLast()) : text), number.isFinite else {
            throw SpecError(item: item, problem: "\"\(text)\" is not a probability (write 2% or 0.02)")
        }
        let probability = isPercent ? number / 100 : number
        guard (0...1).contains(probability) else {
            throw SpecError(item: item, problem: "a probability is between 0% and 100%")
        }
        return probability
    }

    static func loss(_ text: String, item: String) throws(SpecError) -> Loss {
        if text.lowercased().hasPrefix("every:") {
            guard let n = Int(text.dropFirst(6)), n >= 1 else {
                throw SpecError(item: item, problem: "every:N needs a whole number N of at least 1")
            }
            return .everyNth(n)
        }
        return .probability(try percentage(text, item: item))
    }
}

extension StringProtocol {
    var trimmingSpaces: String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
