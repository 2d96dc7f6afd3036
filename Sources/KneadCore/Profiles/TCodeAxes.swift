extension DeviceProfile {
    /// The channels a profile can map to a protocol's axes, spelled as in profile files.
    public enum ChannelName: String, Sendable, CaseIterable, Comparable {
        case intensity, x, y, pressure, heat

        public static func < (a: ChannelName, b: ChannelName) -> Bool {
            allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
        }
    }

    /// Which TCode axis each channel drives (`intensity: V0, y: L0`). Built from a profile
    /// file, whose reader rejects an unknown channel or axis with file:line:col, so a
    /// value of this type only holds axes TCode has.
    public struct TCodeAxes: Sendable, Equatable, ExpressibleByDictionaryLiteral {
        /// A TCode axis name: a kind letter (L linear, R rotary, V vibration, A auxiliary)
        /// and a digit. KneadWire's `TCodeAxis` is the codec's view of the same thing;
        /// this one lives beside the profile, which must not depend on a codec.
        public struct Axis: Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
            public enum Kind: Character, Sendable, CaseIterable {
                case linear = "L", rotary = "R", vibration = "V", auxiliary = "A"
            }

            public var kind: Kind
            /// 0…9.
            public var index: Int

            public init(_ kind: Kind, _ index: Int) {
                self.kind = kind
                self.index = Swift.min(Swift.max(index, 0), 9)
            }

            /// `V0`, `l2` (case-insensitive); nil for anything else.
            public init?(_ text: String) {
                let characters = Array(text)
                guard characters.count == 2, let upper = characters[0].uppercased().first,
                      let kind = Kind(rawValue: upper), characters[1].isASCII,
                      let digit = characters[1].wholeNumberValue else { return nil }
                self.init(kind, digit)
            }

            /// For literals in code (`"V0"`); a literal that is not an axis is a programming error.
            public init(stringLiteral text: String) {
                guard let axis = Axis(text) else { preconditionFailure("'\(text)' is not a TCode axis") }
                self = axis
            }

            public var description: String { "\(kind.rawValue)\(index)" }
        }

        public private(set) var byChannel: [ChannelName: Axis]

        public init(_ byChannel: [ChannelName: Axis] = [:]) {
            self.byChannel = byChannel
        }

        public init(dictionaryLiteral elements: (ChannelName, Axis)...) {
            self.init(Dictionary(elements, uniquingKeysWith: { _, last in last }))
        }

        public subscript(channel: ChannelName) -> Axis? {
            get { byChannel[channel] }
            set { byChannel[channel] = newValue }
        }

        public var isEmpty: Bool { byChannel.isEmpty }

        /// In channel order (intensity, x, y, pressure, heat).
        public var sorted: [(channel: ChannelName, axis: Axis)] {
            byChannel.sorted { $0.key < $1.key }.map { (channel: $0.key, axis: $0.value) }
        }

        /// The map as the profile file spells it, for a codec that takes names
        /// (KneadWire's `TCodeAxisMap(profileAxes:)`, which depends on nothing).
        public var names: [String: String] {
            Dictionary(uniqueKeysWithValues: byChannel.map { ($0.key.rawValue, $0.value.description) })
        }

        /// A profile that maps nothing drives vibration on V0, as most TCode toys take it.
        public var orDefault: TCodeAxes { isEmpty ? [.intensity: "V0"] : self }
    }
}
