import KneadCore

/// One serial port as `knead devices` reports it. Nothing here comes from opening the
/// port: libserialport reads it from sysfs.
public struct SerialPortInfo: Sendable, Equatable, Encodable {
    public enum Transport: String, Sendable, Equatable, Encodable {
        case usb, native, bluetooth
    }

    public var path: String
    public var description: String
    public var transport: Transport
    public var usbVendorID: UInt16?
    public var usbProductID: UInt16?
    public var usbSerial: String?
    public var usbManufacturer: String?
    public var usbProduct: String?
    /// The kernel's console (on these machines /dev/ttyS0).
    public var isConsole: Bool
    /// Shipped profiles whose match rules name this port.
    public var profiles: [String]

    public init(path: String, description: String, transport: Transport, usbVendorID: UInt16? = nil,
                usbProductID: UInt16? = nil, usbSerial: String? = nil, usbManufacturer: String? = nil,
                usbProduct: String? = nil, isConsole: Bool = false, profiles: [String] = []) {
        self.path = path
        self.description = description
        self.transport = transport
        self.usbVendorID = usbVendorID
        self.usbProductID = usbProductID
        self.usbSerial = usbSerial
        self.usbManufacturer = usbManufacturer
        self.usbProduct = usbProduct
        self.isConsole = isConsole
        self.profiles = profiles
    }

    /// `1209:0001`, or nil without a USB parent.
    public var usbID: String? {
        guard let usbVendorID, let usbProductID else { return nil }
        return PortMatch(vendorID: usbVendorID, productID: usbProductID).usbID
    }

    /// A port knead never opens to probe: the console, and every native port without a
    /// USB parent (a motherboard UART is often the console or a modem line).
    public var isNeverProbed: Bool { isConsole || transport == .native }

    /// The names of the serial profiles among `profiles` whose match rules name this port.
    public func matchingProfiles(among profiles: [DeviceProfile]) -> [String] {
        guard usbVendorID != nil else { return [] }
        return profiles.filter { profile in
            guard profile.connection?.link == .serial else { return false }
            return profile.connection?.match.contains {
                $0.matches(vendorID: usbVendorID, productID: usbProductID, productText: usbProduct ?? description)
            } == true
        }.map(\.name)
    }

    enum CodingKeys: String, CodingKey {
        case path, description, transport, usbID, usbVendorID, usbProductID, usbSerial, usbManufacturer, usbProduct
        case console, neverProbed, profiles
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(path, forKey: .path)
        try container.encode(description, forKey: .description)
        try container.encode(transport, forKey: .transport)
        try container.encode(usbID, forKey: .usbID)
        try container.encode(usbVendorID.map(PortMatch.hex), forKey: .usbVendorID)
        try container.encode(usbProductID.map(PortMatch.hex), forKey: .usbProductID)
        try container.encode(usbSerial, forKey: .usbSerial)
        try container.encode(usbManufacturer, forKey: .usbManufacturer)
        try container.encode(usbProduct, forKey: .usbProduct)
        try container.encode(isConsole, forKey: .console)
        try container.encode(isNeverProbed, forKey: .neverProbed)
        try container.encode(profiles, forKey: .profiles)
    }
}
