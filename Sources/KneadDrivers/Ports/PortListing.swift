import CSerialPort
import KneadCore
import KneadSystem

/// The serial ports of this machine, found without opening any of them.
///
/// libserialport's `sp_list_ports` opens every 8250 UART for an instant to learn
/// whether it exists, and on these machines one of them, /dev/ttyS0, is the console,
/// which knead never opens. So the list is made the way `sp_list_ports` makes it on
/// Linux, from `/sys/class/tty` (entries whose sysfs path is not `virtual`), except that
/// an 8250 UART's existence is read from its sysfs `type` attribute (0 = no UART)
/// instead of an open and TIOCGSERIAL. Each port's details then come from libserialport
/// (`sp_get_port_by_name`, which reads sysfs only).
public enum PortListing {
    /// Every serial port, sorted by path, each matched against `profiles`.
    public static func ports(matching profiles: [DeviceProfile] = [],
                             consoleNames: [String] = PortPath.activeConsoleNames(),
                             sysfs: String = "/sys/class/tty") -> [SerialPortInfo] {
        portPaths(sysfs: sysfs).compactMap { path in
            var port: OpaquePointer?
            guard sp_get_port_by_name(path, &port) == SP_OK, let port else { return nil }
            defer { sp_free_port(port) }
            return info(port, consoleNames: consoleNames, profiles: profiles)
        }
    }

    /// `/dev/NAME` for each serial port in `sysfs` (the layout of /sys/class/tty).
    static func portPaths(sysfs: String) -> [String] {
        var paths: [String] = []
        for name in FileSystem.names(in: sysfs) {
            guard !name.hasPrefix("."), let link = FileSystem.linkTarget(sysfs + "/" + name) else { continue }
            if link.contains("virtual") { continue }
            if link.contains("serial8250"), uartType(sysfs + "/" + name + "/type") ?? 0 == 0 { continue }
            paths.append("/dev/" + name)
        }
        return paths.sorted()
    }

    /// The 8250 driver's `type` attribute: 0 (PORT_UNKNOWN) when no UART answers there.
    private static func uartType(_ file: String) -> Int? {
        guard let line = FileSystem.firstLine(of: file, limit: 32) else { return nil }
        return Int(line.filter(\.isNumber))
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
        let value = String(cString: pointer)
        return value.isEmpty ? nil : value
    }
}
