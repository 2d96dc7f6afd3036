import CLibUSB
import KneadCore
import KneadEngine

/// The USB devices libusb can see, for `knead devices` and for finding `--usb ID`.
public enum USBListing {
    /// The USB devices whose id a USB profile among `profiles` names (every device with
    /// `all`), each marked with the profiles that match it. Only those are opened, to
    /// read their strings (serial number, maker, product); no interface is claimed.
    public static func devices(matching profiles: [DeviceProfile], all: Bool = false)
        -> Result<[USBDeviceInfo], BackendError> {
        let context: LibUSBContext
        do { context = try LibUSBContext() } catch { return .failure(error) }
        let rules = profiles.compactMap(\.connection).filter { $0.link == .usb }.flatMap(\.match)
        let found = scan(context: context, opening: { vendor, product in
            all || rules.contains { $0.vendorID == vendor && $0.productID == product }
        }) { _ in true }
        var list: [USBDeviceInfo] = []
        for entry in found {
            var info = entry.info
            info.match(profiles)
            if all || !info.profiles.isEmpty { list.append(info) }
            libusb_unref_device(entry.device)
        }
        return .success(list.sorted { ($0.bus, $0.path) < ($1.bus, $1.path) })
    }

    struct Found {
        /// A reference the caller must give back (libusb_unref_device).
        let device: OpaquePointer
        let info: USBDeviceInfo
    }

    /// The devices `keep` accepts, each with a reference held; the strings are read of
    /// those whose ids `opening` accepts (the others are skipped).
    static func scan(context: LibUSBContext, opening: (UInt16, UInt16) -> Bool = { _, _ in true },
                     keep: (USBDeviceInfo) -> Bool) -> [Found] {
        var listPointer: UnsafeMutablePointer<OpaquePointer?>?
        let count = libusb_get_device_list(context.pointer, &listPointer)
        guard count >= 0, let list = listPointer else { return [] }
        defer { libusb_free_device_list(list, 1) }
        var found: [Found] = []
        for index in 0..<Int(count) {
            guard let device = list[index] else { continue }
            var descriptor = libusb_device_descriptor()
            guard libusb_get_device_descriptor(device, &descriptor) == 0 else { continue }
            // Ids first: strings need the device opened, which only the candidates are.
            let bare = USBDeviceInfo(vendorID: descriptor.idVendor, productID: descriptor.idProduct,
                                     bus: libusb_get_bus_number(device), address: libusb_get_device_address(device),
                                     path: path(of: device))
            guard opening(descriptor.idVendor, descriptor.idProduct) else { continue }
            var info = bare
            readStrings(device: device, descriptor: descriptor, into: &info)
            guard keep(info) else { continue }
            found.append(Found(device: libusb_ref_device(device), info: info))
        }
        return found
    }

    /// `1-4.2`: the bus number, then the port numbers from the root hub down.
    static func path(of device: OpaquePointer) -> String {
        var ports = [UInt8](repeating: 0, count: 8)
        let depth = libusb_get_port_numbers(device, &ports, Int32(ports.count))
        let bus = libusb_get_bus_number(device)
        guard depth > 0 else { return "\(bus)-0" }
        return "\(bus)-" + ports[0..<Int(depth)].map { String($0) }.joined(separator: ".")
    }

    private static func readStrings(device: OpaquePointer, descriptor: libusb_device_descriptor,
                                    into info: inout USBDeviceInfo) {
        var handlePointer: OpaquePointer?
        let opened = libusb_open(device, &handlePointer)
        guard opened == 0, let handle = handlePointer else {
            info.accessible = opened != LibUSB.access
            return
        }
        defer { libusb_close(handle) }
        info.serial = string(handle, descriptor.iSerialNumber)
        info.manufacturer = string(handle, descriptor.iManufacturer)
        info.product = string(handle, descriptor.iProduct)
    }

    /// String descriptor `index` in the device's first language, decoded from UTF-16
    /// (libusb's ASCII variant turns the pad's "©Microsoft" into "?Microsoft").
    private static func string(_ handle: OpaquePointer, _ index: UInt8) -> String? {
        guard index != 0 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 255)
        let languages = libusb_get_string_descriptor(handle, 0, 0, &buffer, Int32(buffer.count))
        guard languages >= 4 else { return nil }
        let language = UInt16(buffer[2]) | UInt16(buffer[3]) << 8
        let length = Int(libusb_get_string_descriptor(handle, index, language, &buffer, Int32(buffer.count)))
        guard length >= 2, buffer[1] == 3 else { return nil }
        let end = min(length, Int(buffer[0]))
        var units: [UInt16] = []
        var at = 2
        while at + 1 < end {
            units.append(UInt16(buffer[at]) | UInt16(buffer[at + 1]) << 8)
            at += 2
        }
        let text = String(decoding: units, as: UTF16.self).trimming("\0 ")
        return text.isEmpty ? nil : text
    }
}
