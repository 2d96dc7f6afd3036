/// The device queries of TCode v0.3.
public enum TCodeQuery: String, Sendable, CaseIterable {
    /// Firmware identification.
    case firmware = "D0"
    /// TCode version: `TCode v0.3`.
    case version = "D1"
    /// One line per axis: `L0 0 9999 Up`.
    case axes = "D2"

    public var line: String { rawValue + "\n" }
}

/// A D2 line: an axis, its user range and its name.
public struct TCodeAxisRange: Equatable, Sendable {
    public var axis: TCodeAxis
    public var min: Int
    public var max: Int
    public var name: String

    public init(axis: TCodeAxis, min: Int, max: Int, name: String) {
        self.axis = axis
        self.min = min
        self.max = max
        self.name = name
    }
}

/// One line a TCode device printed.
public enum TCodeReply: Equatable, Sendable {
    /// A version line such as `TCode v0.3` (the matched text, as printed).
    case version(String)
    case axis(TCodeAxisRange)
    /// Anything else (a firmware name, a boot banner, an error message).
    case text(String)
}

/// Splits what a device prints into lines and recognises them. Tolerates CR, LF and CRLF
/// endings, control characters, bytes that are not ASCII, and lines of any length (cut
/// at `maxLineLength`); never traps.
public struct TCodeReplyParser: Sendable {
    public static let maxLineLength = 256
    private var line: [UInt8] = []

    public init() {}

    public mutating func push<S: Sequence>(_ bytes: S) -> [TCodeReply] where S.Element == UInt8 {
        var replies: [TCodeReply] = []
        for byte in bytes {
            switch byte {
            case 0x0A, 0x0D:
                if let reply = finishLine() { replies.append(reply) }
            case 0x20...0x7E:
                if line.count < Self.maxLineLength { line.append(byte) }
            case 0x09:
                if line.count < Self.maxLineLength { line.append(0x20) }
            default:
                break  // noise: control characters and non-ASCII bytes
            }
        }
        return replies
    }

    private mutating func finishLine() -> TCodeReply? {
        defer { line.removeAll(keepingCapacity: true) }
        let text = String(decoding: line, as: UTF8.self).trimmingSpaces
        if text.isEmpty { return nil }
        return Self.recognise(String(text))
    }

    /// Classifies one line (without its ending).
    public static func recognise(_ text: String) -> TCodeReply {
        if let version = versionText(in: text) { return .version(version) }
        if let range = axisRange(text) { return .axis(range) }
        return .text(text)
    }

    /// `TCode v0.3` (any case, `v` optional) inside a line, as printed.
    static func versionText(in text: String) -> String? {
        let characters = Array(text)
        let lower = Array(text.lowercased())
        guard lower.count == characters.count else { return nil }
        let word = Array("tcode")
        var start = 0
        while start + word.count <= lower.count {
            if Array(lower[start..<(start + word.count)]) == word {
                var index = start + word.count
                while index < lower.count, lower[index] == " " { index += 1 }
                if index < lower.count, lower[index] == "v" { index += 1 }
                let numberStart = index
                var sawDot = false
                while index < lower.count, lower[index].isASCII,
                      lower[index].isNumber || (lower[index] == "." && !sawDot) {
                    if lower[index] == "." { sawDot = true }
                    index += 1
                }
                if sawDot, index - numberStart >= 3 {
                    return String(characters[start..<index])
                }
            }
            start += 1
        }
        return nil
    }

    /// `L0 0 9999 Up` → axis L0, 0…9999, "Up".
    static func axisRange(_ text: String) -> TCodeAxisRange? {
        let fields = text.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: true)
        guard fields.count >= 3, let axis = TCodeAxis(String(fields[0])),
              let low = Int(fields[1]), let high = Int(fields[2]), low >= 0, high >= low
        else { return nil }
        return TCodeAxisRange(axis: axis, min: low, max: high, name: fields.count > 3 ? String(fields[3]) : "")
    }
}

/// What a TCode device said when asked.
public struct TCodeDeviceInfo: Equatable, Sendable {
    /// The version line (`TCode v0.3`), nil if the device did not print one.
    public var version: String?
    public var firmware: String?
    public var axes: [TCodeAxisRange]

    public init(version: String? = nil, firmware: String? = nil, axes: [TCodeAxisRange] = []) {
        self.version = version
        self.firmware = firmware
        self.axes = axes
    }

    /// The device says it speaks TCode v0.3.
    public var isVersion03: Bool {
        guard let version else { return false }
        return version.lowercased().hasSuffix("0.3")
    }
}

/// The connect exchange as a state machine without I/O: ask D1 (and D0, D2 when the
/// profile says the device answers them), collect replies until every question is
/// answered and the line has been quiet for `settle`, or until `timeout`. A device that
/// never answers ends as `.silent`: many TCode devices print nothing and work anyway, so
/// the driver decides what silence means.
package struct TCodeConnect: Sendable {
    package enum Outcome: Equatable, Sendable {
        case answered(TCodeDeviceInfo)
        case silent
    }

    package let queries: [TCodeQuery]
    package let timeout: Double
    package let settle: Double
    package private(set) var info = TCodeDeviceInfo()
    package private(set) var outcome: Outcome?

    private var parser = TCodeReplyParser()
    private var startedAt = 0.0
    private var lastByteAt: Double?

    /// D1 is always asked; `alsoAsk` adds D0 and/or D2.
    package init(alsoAsk: Set<TCodeQuery> = [], timeout: Double = 1.0, settle: Double = 0.05) {
        queries = TCodeQuery.allCases.filter { $0 == .version || alsoAsk.contains($0) }
        self.timeout = timeout
        self.settle = settle
    }

    /// The bytes to send now: the queries, after a newline that ends any half-line the
    /// device may hold.
    package mutating func start(now: Double) -> [UInt8] {
        startedAt = now
        return Array(("\n" + queries.map(\.line).joined()).utf8)
    }

    package mutating func receive<S: Sequence>(_ bytes: S, now: Double) where S.Element == UInt8 {
        guard outcome == nil else { return }
        let bytes = Array(bytes)
        for reply in parser.push(bytes) {
            switch reply {
            case let .version(text):
                info.version = text
            case let .axis(range):
                info.axes.removeAll { $0.axis == range.axis }
                info.axes.append(range)
            case let .text(text):
                if queries.contains(.firmware), info.firmware == nil { info.firmware = text }
            }
        }
        if !bytes.isEmpty { lastByteAt = now }
        poll(now: now)
    }

    package mutating func poll(now: Double) {
        guard outcome == nil else { return }
        let answered = (!queries.contains(.version) || info.version != nil)
            && (!queries.contains(.firmware) || info.firmware != nil)
            && (!queries.contains(.axes) || !info.axes.isEmpty)
        if answered, let lastByteAt, now - lastByteAt >= settle {
            outcome = .answered(info)
        } else if now - startedAt >= timeout {
            let heardAnything = info.version != nil || info.firmware != nil || !info.axes.isEmpty
            outcome = heardAnything ? .answered(info) : .silent
        }
    }
}
