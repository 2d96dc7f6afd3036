/// How an axis command asks to get to its target.
public enum TCodeRamp: Equatable, Sendable {
    /// No suffix: the firmware's own short ramp.
    case none
    /// `I<ms>`: over this many milliseconds.
    case interval(milliseconds: Int)
    /// `S<n>`: at n units (of 1/10000) per 100 ms.
    case speed(Int)
}

public struct TCodeAxisCommand: Equatable, Sendable {
    public var axis: TCodeAxis
    /// The digits as a fraction in [0, 1): `5000` → 0.5, `77` → 0.77.
    public var value: Double
    public var ramp: TCodeRamp

    public init(axis: TCodeAxis, value: Double, ramp: TCodeRamp = .none) {
        self.axis = axis
        self.value = value
        self.ramp = ramp
    }
}

/// What one line (or one token of it) asks of a TCode device.
public enum TCodeCommand: Equatable, Sendable {
    /// The axis commands of one line, to take effect together; a later command for the
    /// same axis on the line replaced an earlier one.
    case axes([TCodeAxisCommand])
    /// `DSTOP`: vibration to zero, linear and rotary axes hold.
    case stop
    case query(TCodeQuery)
    /// `$L0-0000-9999`: save a user range.
    case saveRange(axis: TCodeAxis, min: Int, max: Int)
    /// A token the device does not understand (ignored; the rest of the line still acts).
    case invalid(token: String, reason: String)
}

/// The device side of TCode: parses what a host sends into commands, as a firmware does.
/// Case-insensitive; a line ends at LF or CR (a terminal's Enter sends CR); tokens are
/// separated by spaces or tabs. Lines longer than `maxLineLength` are dropped whole
/// (reported once as invalid). Never traps, whatever the bytes.
public struct TCodeDeviceDecoder: Sendable {
    public static let maxLineLength = 256
    private var line: [UInt8] = []
    private var overlong = false

    public init() {}

    public mutating func push<S: Sequence>(_ bytes: S) -> [TCodeCommand] where S.Element == UInt8 {
        var commands: [TCodeCommand] = []
        for byte in bytes {
            if byte == 0x0A || byte == 0x0D {
                if overlong {
                    commands.append(.invalid(token: "", reason: "line longer than \(Self.maxLineLength) bytes"))
                } else {
                    commands += Self.parse(line: line)
                }
                line.removeAll(keepingCapacity: true)
                overlong = false
            } else if !overlong {
                if line.count == Self.maxLineLength {
                    overlong = true
                    line.removeAll(keepingCapacity: true)
                } else {
                    line.append(byte)
                }
            }
        }
        return commands
    }

    /// Parses one line (without its ending).
    public static func parse(line bytes: [UInt8]) -> [TCodeCommand] {
        var commands: [TCodeCommand] = []
        var axisCommands: [TCodeAxisCommand] = []
        for token in bytes.split(whereSeparator: { $0 == 0x20 || $0 == 0x09 }) {
            let token = Array(token)
            let text = String(decoding: token, as: UTF8.self)
            switch parse(token: token) {
            case let .success(.axes(axis)):
                if let index = axisCommands.firstIndex(where: { $0.axis == axis[0].axis }) {
                    axisCommands[index] = axis[0]
                } else {
                    axisCommands.append(axis[0])
                }
            case let .success(command):
                commands.append(command)
            case let .failure(problem):
                commands.append(.invalid(token: text, reason: problem.reason))
            }
        }
        if !axisCommands.isEmpty { commands.append(.axes(axisCommands)) }
        return commands
    }

    struct Problem: Error { var reason: String }

    static func parse(token: [UInt8]) -> Result<TCodeCommand, Problem> {
        let upper = token.map { $0 >= 0x61 && $0 <= 0x7A ? $0 - 0x20 : $0 }
        if upper == Array("DSTOP".utf8) { return .success(.stop) }
        if upper.count == 2, upper[0] == UInt8(ascii: "D") {
            switch upper[1] {
            case UInt8(ascii: "0"): return .success(.query(.firmware))
            case UInt8(ascii: "1"): return .success(.query(.version))
            case UInt8(ascii: "2"): return .success(.query(.axes))
            default: return .failure(Problem(reason: "unknown device command"))
            }
        }
        if upper.first == UInt8(ascii: "$") { return parseSaveRange(upper) }
        return parseAxis(upper)
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    private static func axis(_ letter: UInt8, _ digit: UInt8) -> TCodeAxis? {
        guard let kind = TCodeAxis.Kind(letter: Character(Unicode.Scalar(letter))), isDigit(digit) else {
            return nil
        }
        return TCodeAxis(kind, Int(digit - 0x30))
    }

    /// `<L|R|V|A><0-9><digits>[I<ms>|S<speed>]`.
    private static func parseAxis(_ token: [UInt8]) -> Result<TCodeCommand, Problem> {
        guard token.count >= 2, let axis = axis(token[0], token[1]) else {
            return .failure(Problem(reason: "not a TCode command"))
        }
        var index = 2
        var numerator = 0
        var denominator = 1
        let digitsStart = index
        while index < token.count, isDigit(token[index]) {
            // Firmware keeps 4 digits; more precision than 9 digits is ignored.
            if index - digitsStart < 9 {
                numerator = numerator * 10 + Int(token[index] - 0x30)
                denominator *= 10
            }
            index += 1
        }
        guard index > digitsStart else { return .failure(Problem(reason: "axis \(axis) without a value")) }
        var ramp = TCodeRamp.none
        if index < token.count {
            let suffix = token[index]
            index += 1
            let numberStart = index
            var number = 0
            while index < token.count, isDigit(token[index]), index - numberStart < 9 {
                number = number * 10 + Int(token[index] - 0x30)
                index += 1
            }
            guard index > numberStart, index == token.count else {
                return .failure(Problem(reason: "bad I/S suffix on axis \(axis)"))
            }
            switch suffix {
            case UInt8(ascii: "I"): ramp = .interval(milliseconds: number)
            case UInt8(ascii: "S"): ramp = .speed(number)
            default: return .failure(Problem(reason: "bad I/S suffix on axis \(axis)"))
            }
        }
        return .success(.axes([TCodeAxisCommand(axis: axis, value: Double(numerator) / Double(denominator),
                                                ramp: ramp)]))
    }

    /// `$L0-0000-9999`.
    private static func parseSaveRange(_ token: [UInt8]) -> Result<TCodeCommand, Problem> {
        let parts = token.dropFirst().split(separator: UInt8(ascii: "-"), omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 2,
              let axis = axis(parts[0][parts[0].startIndex], parts[0][parts[0].startIndex + 1]),
              (1...9).contains(parts[1].count), (1...9).contains(parts[2].count),
              parts[1].allSatisfy(isDigit), parts[2].allSatisfy(isDigit),
              let low = Int(String(decoding: parts[1], as: UTF8.self)),
              let high = Int(String(decoding: parts[2], as: UTF8.self))
        else { return .failure(Problem(reason: "a range is written $L0-0000-9999")) }
        return .success(.saveRange(axis: axis, min: low, max: high))
    }
}

/// What a TCode device prints when asked, for the simulator standing in for one.
public enum TCodeDeviceReplies {
    public static let versionLine = "TCode v0.3\n"

    /// D2: one line per axis, `L0 0 9999 Up`.
    public static func axesLines(_ axes: [TCodeAxisRange]) -> String {
        axes.map { "\($0.axis) \($0.min) \($0.max)" + ($0.name.isEmpty ? "" : " \($0.name)") + "\n" }.joined()
    }

    public static func reply(to query: TCodeQuery, firmware: String, axes: [TCodeAxisRange]) -> String {
        switch query {
        case .firmware: return firmware + "\n"
        case .version: return versionLine
        case .axes: return axesLines(axes)
        }
    }
}
