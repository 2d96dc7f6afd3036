import KneadCore

/// Which USB device `--usb ID` means: a vendor and product id, and optionally the
/// device's serial number or where it is plugged in (bus-port path, as `lsusb -t` and
/// sysfs name it: `1-4.2` is bus 1, port 4, then port 2 of the hub there).
///
/// Written `045e:028e`, `045e:028e,serial=ABC123` or `045e:028e,path=1-4.2`; both
/// may be given. `knead devices` prints the id, serial and path of every device it finds.
public struct USBSelector: Sendable, Equatable, CustomStringConvertible {
    public var vendorID: UInt16
    public var productID: UInt16
    public var serial: String?
    public var path: String?

    public init(vendorID: UInt16, productID: UInt16, serial: String? = nil, path: String? = nil) {
        self.vendorID = vendorID
        self.productID = productID
        self.serial = serial
        self.path = path
    }

    /// `1209:fffe` (as lsusb prints it).
    public var usbID: String { PortMatch(vendorID: vendorID, productID: productID).usbID }

    /// The id as written: `1209:fffe,serial=…,path=…`.
    public var description: String {
        var text = usbID
        if let serial { text += ",serial=\(serial)" }
        if let path { text += ",path=\(path)" }
        return text
    }

    public enum ParseError: Error, Equatable, CustomStringConvertible {
        case notAnID(String)
        case unknownKey(String)
        case emptyValue(String)
        case badPath(String)

        public var description: String {
            switch self {
            case let .notAnID(text):
                return "'\(text)' is not a USB id: write the vendor and product id in hexadecimal as lsusb shows them, "
                    + "e.g. 045e:028e, optionally followed by ,serial=S or ,path=1-4.2"
            case let .unknownKey(key):
                return "'\(key)' is not part of a USB id: after VID:PID come serial=S and path=BUS-PORT[.PORT…]"
            case let .emptyValue(key):
                return "\(key)= needs a value, e.g. serial=ABC123 or path=1-4.2"
            case let .badPath(text):
                return "'\(text)' is not a bus-port path: it is the bus number, a dash, then port numbers "
                    + "separated by dots, e.g. 1-4.2 (knead devices prints it)"
            }
        }
    }

    public static func parse(_ text: String) -> Result<USBSelector, ParseError> {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard let first = parts.first, let id = PortMatch.parseUSBID(first) else { return .failure(.notAnID(text)) }
        var selector = USBSelector(vendorID: id.vendor, productID: id.product)
        for part in parts.dropFirst() {
            let pair = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            let key = pair[0].trimming(" ")
            guard pair.count == 2 else { return .failure(key.isEmpty ? .notAnID(text) : .unknownKey(key)) }
            let value = pair[1].trimming(" ")
            guard !value.isEmpty else { return .failure(.emptyValue(key)) }
            switch key {
            case "serial": selector.serial = value
            case "path":
                guard isBusPortPath(value) else { return .failure(.badPath(value)) }
                selector.path = value
            default: return .failure(.unknownKey(key))
            }
        }
        return .success(selector)
    }

    /// Whether a device with these details is the one meant.
    public func matches(vendorID: UInt16, productID: UInt16, serial: String?, path: String) -> Bool {
        guard vendorID == self.vendorID, productID == self.productID else { return false }
        if let wanted = self.path, wanted != path { return false }
        if let wanted = self.serial, wanted != serial { return false }
        return true
    }

    /// `1-4.2`: digits, a dash, then dot-separated digits.
    static func isBusPortPath(_ text: String) -> Bool {
        let halves = text.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard halves.count == 2, !halves[0].isEmpty, halves[0].allSatisfy(\.isASCIIDigit) else { return false }
        let ports = halves[1].split(separator: ".", omittingEmptySubsequences: false)
        return !ports.isEmpty && ports.allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isASCIIDigit) }
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}

extension String {
    /// Without the characters of `set` at either end (Foundation-free).
    func trimming(_ set: String) -> String {
        String(drop { set.contains($0) }.reversed().drop { set.contains($0) }.reversed())
    }
}
