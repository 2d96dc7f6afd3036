import KneadCore

/// How a port is set up: always 8N1 with no flow control; the baud rate and the modem
/// lines come from the profile's connection section.
public struct SerialSettings: Sendable, Equatable {
    public var baud: Int
    /// Modem lines after opening. Off unless the profile says so: toggling them resets
    /// many ESP32 and Arduino boards, which has caused sudden movement in other players.
    public var dtr: Bool
    public var rts: Bool
    /// A write that cannot hand all its bytes to the OS within this long means the
    /// device stopped taking data: the port counts as gone. Seconds.
    public var writeTimeout: Double

    public init(baud: Int = 115_200, dtr: Bool = false, rts: Bool = false, writeTimeout: Double = 0.05) {
        self.baud = baud
        self.dtr = dtr
        self.rts = rts
        self.writeTimeout = writeTimeout
    }

    public init(_ connection: DeviceProfile.Connection, writeTimeout: Double = 0.05) {
        self.init(baud: connection.baud, dtr: connection.dtr, rts: connection.rts, writeTimeout: writeTimeout)
    }
}

/// Which code opens the port. `auto` (the default) takes termios for a pseudo-terminal
/// and libserialport for everything else; the `KNEAD_SERIAL_TRANSPORT` environment
/// variable can force one (tests drive libserialport against a pseudo-terminal this way,
/// with the TIOCM shim preloaded: docs/drivers.md).
public enum SerialBackendChoice: String, Sendable, Equatable, CaseIterable {
    case auto
    case libserialport
    case termios

    public static let environmentVariable = "KNEAD_SERIAL_TRANSPORT"

    public static func from(environment: [String: String]) -> SerialBackendChoice {
        environment[environmentVariable].flatMap { SerialBackendChoice(rawValue: $0.lowercased()) } ?? .auto
    }
}
