/// A TCode axis: a kind letter and a channel digit (`L0`, `V1`, `A2`).
public struct TCodeAxis: Hashable, Sendable, Comparable, CustomStringConvertible {
    public enum Kind: Int, Sendable, CaseIterable {
        /// Ordered as knead writes them on a line: L, R, V, A.
        case linear, rotary, vibration, auxiliary

        public var letter: Character {
            switch self {
            case .linear: return "L"
            case .rotary: return "R"
            case .vibration: return "V"
            case .auxiliary: return "A"
            }
        }

        public init?(letter: Character) {
            switch letter {
            case "L", "l": self = .linear
            case "R", "r": self = .rotary
            case "V", "v": self = .vibration
            case "A", "a": self = .auxiliary
            default: return nil
            }
        }
    }

    public var kind: Kind
    /// 0…9.
    public var index: Int

    public init(_ kind: Kind, _ index: Int) {
        self.kind = kind
        self.index = min(max(index, 0), 9)
    }

    /// Parses `V0`, `l2`… (case-insensitive); nil for anything else.
    public init?(_ name: String) {
        let characters = Array(name.trimmingSpaces)
        guard characters.count == 2, let kind = Kind(letter: characters[0]),
              let digit = characters[1].wholeNumberValue, characters[1].isASCII
        else { return nil }
        self.init(kind, digit)
    }

    public var description: String { "\(kind.letter)\(index)" }

    public static func < (a: TCodeAxis, b: TCodeAxis) -> Bool {
        (a.kind.rawValue, a.index) < (b.kind.rawValue, b.index)
    }
}

extension String {
    var trimmingSpaces: Substring {
        var slice = self[...]
        while let first = slice.first, first == " " || first == "\t" { slice.removeFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice.removeLast() }
        return slice
    }
}

/// Problems with a TCode setup, worded for the person editing the profile.
public enum TCodeError: Error, Equatable, Sendable, CustomStringConvertible {
    case unknownChannel(String)
    case invalidAxis(channel: String, axis: String)
    case axisUsedTwice(String)
    case noAxes
    case invalidDigits(Int)

    public var description: String {
        switch self {
        case let .unknownChannel(name):
            return "unknown channel '\(name)' in the TCode axis map: use intensity, x, y, pressure or heat"
        case let .invalidAxis(channel, axis):
            return "channel '\(channel)' maps to '\(axis)', which is not a TCode axis: use L, R, V or A "
                + "followed by a digit, for example V0 or L2"
        case let .axisUsedTwice(axis):
            return "TCode axis \(axis) is mapped from two channels: give each channel its own axis"
        case .noAxes:
            return "the TCode axis map is empty: map at least intensity to an axis, for example intensity: V0"
        case let .invalidDigits(digits):
            return "TCode magnitude of \(digits) digits: use 2, 3 or 4"
        }
    }
}

/// Which channel drives which axis. Lines list axes in a fixed order (L, R, V, A, then
/// by digit) so output is deterministic.
public struct TCodeAxisMap: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var channel: KWPChannel
        public var axis: TCodeAxis
        public init(channel: KWPChannel, axis: TCodeAxis) {
            self.channel = channel
            self.axis = axis
        }
    }

    /// Sorted by axis.
    public let entries: [Entry]

    public init(_ entries: [Entry]) throws(TCodeError) {
        guard !entries.isEmpty else { throw .noAxes }
        var seen = Set<TCodeAxis>()
        for entry in entries where !seen.insert(entry.axis).inserted {
            throw .axisUsedTwice(entry.axis.description)
        }
        self.entries = entries.sorted { $0.axis < $1.axis }
    }

    /// From a profile's map of channel name → axis name (`["intensity": "V0", "y": "L0"]`).
    public init(profileAxes: [String: String]) throws(TCodeError) {
        var entries: [Entry] = []
        for (name, axisName) in profileAxes.sorted(by: { $0.key < $1.key }) {
            guard let channel = KWPChannel(name: name) else { throw .unknownChannel(name) }
            guard let axis = TCodeAxis(axisName) else { throw .invalidAxis(channel: name, axis: axisName) }
            entries.append(Entry(channel: channel, axis: axis))
        }
        try self.init(entries)
    }

    public var vibrationAxes: [TCodeAxis] {
        entries.map(\.axis).filter { $0.kind == .vibration }
    }
}
