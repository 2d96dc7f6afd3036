/// The protocols knead speaks to a device. The raw values are the profile files'
/// spelling (`protocol: tcode`), the command line's (`knead sim --protocol kwp`) and
/// the JSON summaries'; everywhere else the cases are compared, never the text.
public enum DeviceProtocol: String, Sendable, CaseIterable, Codable {
    /// TCode v0.3: text lines, immediate (the host keeps time).
    case tcode
    /// The knead wire protocol (docs/protocol.md): binary, stamped frames, a device clock.
    case kwp
    /// The wired Xbox 360 controller's rumble report (USB only): two motors, no clock.
    case xbox360Rumble = "xbox360-rumble"
    /// The Rez Trance Vibrator's speed request (USB control transfer only).
    case rezTranceVibrator = "rez-trancevibrator"

    /// The links a protocol runs over: TCode on serial only (its line framing), the
    /// USB reports on USB only, the knead wire protocol on both.
    public var links: [DeviceLink] {
        switch self {
        case .tcode: return [.serial]
        case .kwp: return [.serial, .usb]
        case .xbox360Rumble, .rezTranceVibrator: return [.usb]
        }
    }

    /// For messages: "TCode v0.3", "the knead wire protocol".
    public var displayName: String {
        switch self {
        case .tcode: return "TCode v0.3"
        case .kwp: return "the knead wire protocol"
        case .xbox360Rumble: return "the Xbox 360 rumble report"
        case .rezTranceVibrator: return "the Rez Trance Vibrator's speed request"
        }
    }
}

/// How the host reaches a device: a serial port (`--port`) or USB through libusb (`--usb`).
public enum DeviceLink: String, Sendable, CaseIterable, Codable {
    case serial
    case usb

    /// The option that names a device on this link.
    public var option: String { self == .serial ? "--port" : "--usb" }
}
