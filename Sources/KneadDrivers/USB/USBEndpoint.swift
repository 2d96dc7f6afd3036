import CLibUSB

/// One endpoint of an interface, read from the device's configuration descriptor.
struct USBEndpoint: Sendable, Equatable {
    enum TransferType: Sendable, Equatable {
        case control, isochronous, bulk, interrupt
    }
    let address: UInt8
    let type: TransferType
    let maxPacketSize: Int
    /// bInterval: for interrupt endpoints, the polling interval in frames (ms at full speed).
    let interval: UInt8

    var isIn: Bool { address & 0x80 != 0 }
    var isOut: Bool { !isIn }

    /// `0x01 interrupt OUT`.
    var summary: String {
        let hex = String(address, radix: 16)
        return "0x\(hex.count < 2 ? "0" + hex : hex) \(type) \(isIn ? "IN" : "OUT")"
    }

    init(address: UInt8, type: TransferType, maxPacketSize: Int, interval: UInt8) {
        self.address = address
        self.type = type
        self.maxPacketSize = maxPacketSize
        self.interval = interval
    }

    init(_ descriptor: libusb_endpoint_descriptor) {
        address = descriptor.bEndpointAddress
        switch descriptor.bmAttributes & 0x03 {
        case 0: type = .control
        case 1: type = .isochronous
        case 2: type = .bulk
        default: type = .interrupt
        }
        maxPacketSize = Int(descriptor.wMaxPacketSize & 0x07ff)
        interval = descriptor.bInterval
    }
}

/// An interface's first alternate setting: its class and endpoints.
struct USBInterfaceDescription: Sendable, Equatable {
    let number: Int
    let interfaceClass: UInt8
    let subclass: UInt8
    let interfaceProtocol: UInt8
    let endpoints: [USBEndpoint]

    func endpoint(_ type: USBEndpoint.TransferType, out: Bool) -> USBEndpoint? {
        endpoints.first { $0.type == type && $0.isOut == out }
    }

    /// `class ff/5d/01, endpoints 0x81 interrupt IN, 0x01 interrupt OUT`.
    var summary: String {
        func hex(_ v: UInt8) -> String { let s = String(v, radix: 16); return s.count < 2 ? "0" + s : s }
        let list = endpoints.isEmpty ? "no endpoints" : "endpoints " + endpoints.map(\.summary).joined(separator: ", ")
        return "class \(hex(interfaceClass))/\(hex(subclass))/\(hex(interfaceProtocol)), \(list)"
    }
}
