/// A rule saying which serial port a device profile is for: a USB vendor and product
/// id, and optionally words the USB product string must contain (for bridges such as
/// the CP2102 that many different boards share).
public struct PortMatch: Sendable, Equatable {
    public var vendorID: UInt16
    public var productID: UInt16
    /// Case-insensitive text the port's USB product string must contain; nil: any.
    public var product: String?

    public init(vendorID: UInt16, productID: UInt16, product: String? = nil) {
        self.vendorID = vendorID
        self.productID = productID
        self.product = product
    }

    /// `1209:4b4e` (hexadecimal vendor:product, as lsusb prints it).
    public var usbID: String { Self.hex(vendorID) + ":" + Self.hex(productID) }

    /// Parses `1209:4b4e` (hexadecimal, 1–4 digits each, an optional `0x`).
    public static func parseUSBID(_ text: String) -> (vendor: UInt16, product: UInt16)? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let vendor = hexNumber(parts[0]), let product = hexNumber(parts[1]) else { return nil }
        return (vendor, product)
    }

    /// Whether a port with these USB details is one this rule names.
    public func matches(vendorID: UInt16?, productID: UInt16?, productText: String?) -> Bool {
        guard vendorID == self.vendorID, productID == self.productID else { return false }
        guard let product, !product.isEmpty else { return true }
        guard let productText else { return false }
        return productText.lowercased().contains(product.lowercased())
    }

    /// Four lowercase hexadecimal digits, as lsusb prints ids.
    public static func hex(_ value: UInt16) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    private static func hexNumber(_ text: Substring) -> UInt16? {
        var digits = text
        if digits.lowercased().hasPrefix("0x") { digits = digits.dropFirst(2) }
        guard (1...4).contains(digits.count), digits.allSatisfy(\.isHexDigit) else { return nil }
        return UInt16(digits, radix: 16)
    }
}
