/// How the live view may draw: colour or not (NO_COLOR, TERM=dumb), Unicode or ASCII.
public struct TerminalStyle: Sendable, Equatable {
    public var colour: Bool
    public var unicode: Bool

    public init(colour: Bool, unicode: Bool) {
        self.colour = colour
        self.unicode = unicode
    }

    public static let plain = TerminalStyle(colour: false, unicode: false)

    /// Reads NO_COLOR (https://no-color.org: present and not empty), TERM and the locale.
    public static func from(environment: [String: String]) -> TerminalStyle {
        let noColour = !(environment["NO_COLOR"] ?? "").isEmpty
        let term = environment["TERM"] ?? ""
        let locale = environment["LC_ALL"].flatMap { $0.isEmpty ? nil : $0 }
            ?? environment["LC_CTYPE"].flatMap { $0.isEmpty ? nil : $0 }
            ?? environment["LANG"] ?? ""
        let unicode = locale.uppercased().contains("UTF-8") || locale.uppercased().contains("UTF8")
            // Most terminals today are UTF-8 even when the locale is unset (containers, ssh).
            || locale.isEmpty
        return TerminalStyle(colour: !noColour && term != "dumb", unicode: unicode)
    }

    /// Wraps text in an SGR sequence when colour is on.
    public func paint(_ text: String, _ code: SGR) -> String {
        guard colour, !text.isEmpty else { return text }
        return "\u{1B}[\(code.rawValue)m\(text)\u{1B}[0m"
    }

    public enum SGR: String, Sendable {
        case bold = "1"
        case dim = "2"
        case reverse = "7"
        case red = "31"
        case green = "32"
        case yellow = "33"
        case blue = "34"
        case magenta = "35"
        case cyan = "36"
        case boldYellow = "1;33"
        case boldCyan = "1;36"
        case boldRed = "1;31"
    }
}
