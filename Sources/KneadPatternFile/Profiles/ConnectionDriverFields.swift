import KneadCore
import Yams

/// The connection keys the drivers read (docs/drivers.md): `answers` (TCode device
/// queries), `start-ramp` (TCode ease into the first position), `lead` (knead wire protocol) and `match` (which USB ports the profile is for).
extension DeviceProfileFile {
    static let tcodeQueries = ["D0", "D1", "D2"]
    static let matchKeys = ["usb", "product"]

    static let links = DeviceLink.allCases.map(\.rawValue)
    static let serialOnlyKeys = ["baud", "dtr", "rts"]

    /// `link` (serial or usb, as the protocol allows) and `interface` (USB only), and
    /// the serial-only keys refused on a USB link.
    static func readLink(_ fields: [String: Entry], protocol proto: DeviceProtocol?,
                         into connection: inout DeviceProfile.Connection, _ reader: NodeReader) {
        if let entry = fields["link"], let text = reader.choice(entry, among: links), let link = DeviceLink(rawValue: text) {
            if let proto, !proto.links.contains(link) {
                reader.error(entry.value, "\(proto.displayName) does not run over \(link.rawValue)",
                             hint: "use link: \(proto.links.map(\.rawValue).joined(separator: " or ")), or leave link out")
            } else {
                connection.link = link
            }
        }
        if let entry = fields["interface"] {
            if connection.link != .usb {
                reader.error(entry.keyLocation, "interface is the USB interface a driver claims; this connection is serial",
                             hint: "leave interface out, or add link: usb")
            } else if let number = reader.value(entry, { Values.wholeNumber($0, key: $1, range: 0...255) }) {
                connection.interface = number
            }
        }
        if connection.link == .usb {
            for key in serialOnlyKeys {
                guard let entry = fields[key] else { continue }
                reader.error(entry.keyLocation, "\(key) sets up a serial port; this connection is USB (link: usb)",
                             hint: "leave \(key) out")
            }
        }
    }

    static func readDriverFields(_ fields: [String: Entry], protocol proto: DeviceProtocol?,
                                 into connection: inout DeviceProfile.Connection, _ reader: NodeReader) {
        if let entry = fields["answers"], belongs(entry, to: .tcode, is: "lists the TCode queries a device answers",
                                                 key: "answers", protocol: proto, reader),
           let answers = self.answers(entry, reader) {
            connection.answers = answers
        }
        if let entry = fields["lead"], belongs(entry, to: .kwp, is: "is how far ahead the knead wire protocol sends frames",
                                              key: "lead", protocol: proto, reader),
           let lead = duration(entry, within: 0.1...2, range: "100ms–2s",
                               hint: "the device must have frames at least 100ms before they are due", reader) {
            connection.lead = lead
        }
        if let entry = fields["start-ramp"],
           belongs(entry, to: .tcode, is: "is how a TCode device eases into its first position",
                   key: "start-ramp", protocol: proto, reader),
           let ramp = duration(entry, within: 0...5, range: "0–5s", allowZero: true,
                               hint: "a few hundred milliseconds is usual, e.g. 500ms; 0 turns the ease off", reader) {
            connection.startRamp = ramp
        }
        if let entry = fields["match"], let rules = match(entry, reader) {
            connection.match = rules
        }
    }

    /// False, with an error at the key, when a key only one protocol reads is given for
    /// another.
    private static func belongs(_ entry: Entry, to owner: DeviceProtocol, is meaning: String, key: String,
                                protocol proto: DeviceProtocol?, _ reader: NodeReader) -> Bool {
        guard let proto, proto != owner else { return true }
        reader.error(entry.keyLocation, "\(key) \(meaning); this profile's protocol is \(proto.rawValue)",
                     hint: "leave \(key) out, or use protocol: \(owner.rawValue)")
        return false
    }

    /// A duration within `bounds` seconds, or an error saying the range.
    private static func duration(_ entry: Entry, within bounds: ClosedRange<Double>, range: String,
                                 allowZero: Bool = false, hint: String, _ reader: NodeReader) -> Double? {
        reader.value(entry) { text, key in
            Values.duration(text, key: key, allowZero: allowZero).flatMap { seconds in
                bounds.contains(seconds)
                    ? .success(seconds) : .failure(ValueProblem("\(key) \(text) is outside \(range)", hint: hint))
            }
        }
    }

    private static func answers(_ entry: Entry, _ reader: NodeReader) -> [String]? {
        guard let elements = reader.elements(of: entry.value, expected: "a list of TCode queries, e.g. [D0, D1, D2]") else {
            return nil
        }
        var answers: [String] = []
        for element in elements {
            guard let text = reader.requiredText(element, what: "a TCode query") else { continue }
            let query = text.uppercased()
            guard tcodeQueries.contains(query) else {
                reader.error(element, "'\(text)' is not a TCode query the device could answer",
                             hint: "the queries are D0 (firmware), D1 (TCode version) and D2 (axes)")
                continue
            }
            if !answers.contains(query) { answers.append(query) }
        }
        return answers
    }

    private static func match(_ entry: Entry, _ reader: NodeReader) -> [PortMatch]? {
        guard let elements = reader.elements(of: entry.value,
                                             expected: "a list of port rules, e.g. [{usb: \"1209:4b4e\"}]") else {
            return nil
        }
        var rules: [PortMatch] = []
        var ok = true
        for element in elements {
            guard let fields = reader.fields(element, what: "a port rule {usb: \"1209:4b4e\", product: …}",
                                             known: matchKeys, required: ["usb"]) else {
                ok = false
                continue
            }
            let id = reader.value(fields["usb"]) { text, key -> Result<(vendor: UInt16, product: UInt16), ValueProblem> in
                PortMatch.parseUSBID(text).map { .success($0) }
                    ?? .failure(ValueProblem("\(key) '\(text)' is not a USB id",
                                             hint: "write the vendor and product id in hexadecimal as lsusb shows them, e.g. \"1209:4b4e\""))
            }
            let product = fields["product"].flatMap { reader.text($0) }
            guard let id else {
                ok = false
                continue
            }
            rules.append(PortMatch(vendorID: id.vendor, productID: id.product, product: product))
        }
        return ok ? rules : nil
    }
}
