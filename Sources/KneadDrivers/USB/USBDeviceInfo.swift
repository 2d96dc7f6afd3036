import KneadCore

/// A USB device as `knead devices` lists it and as the drivers name it in messages.
public struct USBDeviceInfo: Sendable, Equatable, Encodable {
    public var vendorID: UInt16
    public var productID: UInt16
    public var serial: String?
    public var manufacturer: String?
    public var product: String?
    public var bus: UInt8
    public var address: UInt8
    /// Bus-port path: `1-4.2` (bus 1, port 4, port 2 of the hub there), as sysfs names it.
    public var path: String
    /// Whether this program may open it (false: no permission; see the udev rule in the README).
    public var accessible: Bool
    /// Installed profiles with a USB connection that names this device.
    public var profiles: [String] = []

    public init(vendorID: UInt16, productID: UInt16, serial: String? = nil, manufacturer: String? = nil,
                product: String? = nil, bus: UInt8, address: UInt8, path: String, accessible: Bool = true) {
        self.vendorID = vendorID
        self.productID = productID
        self.serial = serial
        self.manufacturer = manufacturer
        self.product = product
        self.bus = bus
        self.address = address
        self.path = path
        self.accessible = accessible
    }

    /// `045e:028e`.
    public var usbID: String { PortMatch(vendorID: vendorID, productID: productID).usbID }

    /// What `--usb` takes to pick exactly this device: the id, with the path when asked.
    public func selector(withPath: Bool) -> String { withPath ? "\(usbID),path=\(path)" : usbID }

    /// `USB device 045e:028e (Controller, bus 1 port 4.2)`, for messages.
    public var name: String {
        let what = [manufacturer, product].compactMap { $0 }.joined(separator: " ")
        let ports = path.split(separator: "-", maxSplits: 1).last.map(String.init) ?? path
        return "USB device \(usbID) (\(what.isEmpty ? "" : what + ", ")bus \(bus) port \(ports))"
    }

    /// The profiles among `profiles` whose USB connection names this device.
    public mutating func match(_ candidates: [DeviceProfile]) {
        profiles = candidates.filter { profile in
            guard let connection = profile.connection, connection.link == .usb else { return false }
            return connection.match.contains {
                $0.matches(vendorID: vendorID, productID: productID, productText: product)
            }
        }.map(\.name)
    }

    private enum CodingKeys: String, CodingKey {
        case usbID, vendorID, productID, serial, manufacturer, product, bus, address, path, accessible, profiles
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(usbID, forKey: .usbID)
        try c.encode(PortMatch.hex(vendorID), forKey: .vendorID)
        try c.encode(PortMatch.hex(productID), forKey: .productID)
        try c.encode(serial, forKey: .serial)
        try c.encode(manufacturer, forKey: .manufacturer)
        try c.encode(product, forKey: .product)
        try c.encode(bus, forKey: .bus)
        try c.encode(address, forKey: .address)
        try c.encode(path, forKey: .path)
        try c.encode(accessible, forKey: .accessible)
        try c.encode(profiles, forKey: .profiles)
    }
}
