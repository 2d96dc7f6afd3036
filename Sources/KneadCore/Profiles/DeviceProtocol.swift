/// The protocols knead speaks to a device. The raw values are the profile files'
/// spelling (`protocol: tcode`), the command line's (`knead sim --protocol kwp`) and
/// the JSON summaries'; everywhere else the cases are compared, never the text.
public enum DeviceProtocol: String, Sendable, CaseIterable, Codable {
    /// TCode v0.3: text lines, immediate (the host keeps time).
    case tcode
    /// The knead wire protocol (docs/protocol.md): binary, stamped frames, a device clock.
    case kwp

    /// For messages: "TCode v0.3", "the knead wire protocol".
    public var displayName: String {
        switch self {
        case .tcode: return "TCode v0.3"
        case .kwp: return "the knead wire protocol"
        }
    }
}
