import KneadCore
import Yams

/// The connection keys the drivers read (docs/drivers.md): `answers` (TCode device
/// queries), `start-ramp` (TCode ease into the first position), `lead` (knead wire protocol) and `match` (which USB ports the profile is for).
extension DeviceProfileFile {
    static let tcodeQueries = ["D0", "D1", "D2"]
    static let matchKeys = ["usb", "product"]

    static func readDriverFields(_ fields: [String: Entry], protocol proto: DeviceProtocol?,
                                 into connection: inout DeviceProfile.Connection, _ reader: NodeReader) {
        if let entry = fields["answers"] {
            if let proto, proto != .tcode {
                reader.error(entry.keyLocation, "answers lists the TCode queries a device answers; this profile's protocol is \(proto.rawValue)",
                             hint: "leave answers out, or use protocol: tcode")
            } else if let answers = self.answers(entry, reader) {
                connection.answers = answers
            }
        }
        if let entry = fields["lead"] {
            if let proto, proto != .kwp {
                reader.error(entry.keyLocation, "lead is how far ahead the knead wire protocol sends frames; this profile's protocol is \(proto.rawValue)",
                             hint: "leave lead out, or use protocol: kwp")
            } else if let lead = reader.value(entry, { text, key in
                Values.duration(text, key: key).flatMap { lead in
                    lead < 0.1 || lead > 2
                        ? .failure(ValueProblem("\(key) \(text) is outside 100ms–2s",
                                                hint: "the device must have frames at least 100ms before they are due"))
                        : .success(lead)
                }
            }) {
                connection.lead = lead
            }
        }
        if let entry = fields["start-ramp"] {
            if let proto, proto != .tcode {
                reader.error(entry.keyLocation, "start-ramp is how a TCode device eases into its first position; this profile's protocol is \(proto.rawValue)",
                             hint: "leave start-ramp out, or use protocol: tcode")
            } else if let ramp = reader.value(entry, { text, key in
                Values.duration(text, key: key).flatMap { ramp in
                    ramp < 0 || ramp > 5
                        ? .failure(ValueProblem("\(key) \(text) is outside 0–5s",
                                                hint: "a few hundred milliseconds is usual, e.g. 500ms; 0 turns the ease off"))
                        : .success(ramp)
                }
            }) {
                connection.startRamp = ramp
            }
        }
        if let entry = fields["match"], let rules = match(entry, reader) {
            connection.match = rules
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
