import CSerialPort
import KneadCore
#if canImport(Glibc)
import Glibc
#endif

/// The serial ports of this machine, through libserialport's `sp_list_ports`.
///
/// knead opens none of them. (libserialport itself, to tell which of the fixed set of
/// 8250 UART names exist, opens each for an instant without becoming its controlling
/// terminal and asks TIOCGSERIAL; it sends nothing and changes no setting.)
public enum PortListing {
    /// Every port libserialport finds, sorted by path, each matched against `profiles`.
    public static func ports(matching profiles: [DeviceProfile] = [],
                             consoleNames: [String] = PortPath.activeConsoleNames()) -> [SerialPortInfo] {
        var list: UnsafeMutablePointer<OpaquePointer?>?
        guard sp_list_ports(&list) == SP_OK, let list else { return [] }
        defer { sp_free_port_list(list) }
        var ports: [SerialPortInfo] = []
        var index = 0
        while let port = list[index] {
            index += 1
            ports.append(info(port, consoleNames: consoleNames, profiles: profiles))
        }
        return ports.sorted { $0.path < $1.path }
    }

    static func info(_ port: OpaquePointer, consoleNames: [String], profiles: [DeviceProfile]) -> SerialPortInfo {
        let path = text(sp_get_port_name(port)) ?? "?"
        let transport: SerialPortInfo.Transport
        switch sp_get_port_transport(port) {
        case SP_TRANSPORT_USB: transport = .usb
        case SP_TRANSPORT_BLUETOOTH: transport = .bluetooth
        default: transport = .native
        }
        var info = SerialPortInfo(path: path, description: text(sp_get_port_description(port)) ?? "",
                                  transport: transport)
        if transport == .usb {
            var vendor: Int32 = 0, product: Int32 = 0
            if sp_get_port_usb_vid_pid(port, &vendor, &product) == SP_OK {
                info.usbVendorID = UInt16(truncatingIfNeeded: vendor)
                info.usbProductID = UInt16(truncatingIfNeeded: product)
            }
            info.usbSerial = text(sp_get_port_usb_serial(port))
            info.usbManufacturer = text(sp_get_port_usb_manufacturer(port))
            info.usbProduct = text(sp_get_port_usb_product(port))
        }
        let name = path.hasPrefix("/dev/") ? String(path.dropFirst(5)) : path
        info.isConsole = consoleNames.contains(name)
        info.profiles = info.matchingProfiles(among: profiles)
        return info
    }

    private static func text(_ pointer: UnsafeMutablePointer<CChar>?) -> String? {
        guard let pointer else { return nil }
        let value = String(decoding: UnsafeRawBufferPointer(start: pointer, count: strlen(pointer)), as: UTF8.self)
        return value.isEmpty ? nil : value
    }
}
