import CLibUSB
import KneadEngine
import KneadSystem

/// An opened USB device with one interface claimed: what a link sends through.
///
/// Opening finds the device (`USBSelector`), opens it, detaches a kernel driver only
/// if one is bound (asking libusb to auto-detach fails where the disconnect-and-claim
/// ioctl is missing, as under umockdev), and claims the interface. `close` releases
/// the interface and gives a detached kernel driver its device back.
final class USBDeviceHandle: @unchecked Sendable {
    // libusb handles are used from the link's threads; libusb is thread-safe per handle.
    let context: LibUSBContext
    let handle: OpaquePointer
    let device: OpaquePointer
    let info: USBDeviceInfo
    let interface: USBInterfaceDescription
    private var detachedKernelDriver = false
    private var closed = false

    private init(context: LibUSBContext, handle: OpaquePointer, device: OpaquePointer, info: USBDeviceInfo,
                 interface: USBInterfaceDescription) {
        self.context = context
        self.handle = handle
        self.device = device
        self.info = info
        self.interface = interface
    }

    /// Finds, opens and claims. Every failure is `.refused` and says what was looked
    /// for and what to do (the command line exits 69 for it).
    static func open(_ selector: USBSelector, interface number: Int, context: LibUSBContext,
                     purpose: String) throws(BackendError) -> USBDeviceHandle {
        let sameIDs = { (vendor: UInt16, product: UInt16) in vendor == selector.vendorID && product == selector.productID }
        let candidates = USBListing.scan(context: context, opening: sameIDs) { details in
            selector.matches(vendorID: details.vendorID, productID: details.productID, serial: details.serial,
                             path: details.path)
        }
        guard let found = candidates.first else {
            let sameID = USBListing.scan(context: context, opening: sameIDs) { _ in true }
            for other in sameID { libusb_unref_device(other.device) }
            if !sameID.isEmpty {
                let list = sameID.map { "\($0.info.selector(withPath: true))\($0.info.serial.map { ",serial=" + $0 } ?? "")" }
                throw .refused("no USB device \(selector) found; \(selector.usbID) is at \(list.joined(separator: "; ")) "
                               + "(check the serial or path, or leave them out)")
            }
            throw .refused("no USB device \(selector) found: plug it in (lsusb should list \(selector.usbID)), "
                           + "or run 'knead devices' to see the USB devices knead can reach")
        }
        for other in candidates.dropFirst() { libusb_unref_device(other.device) }
        if candidates.count > 1 {
            libusb_unref_device(found.device)
            let paths = candidates.map(\.info.path).joined(separator: ", ")
            throw .refused("\(candidates.count) USB devices match \(selector) (at \(paths)): "
                           + "pick one with --usb \(selector.usbID),path=PATH")
        }
        let device = found.device
        var handlePointer: OpaquePointer?
        let opened = libusb_open(device, &handlePointer)
        guard opened == 0, let handle = handlePointer else {
            libusb_unref_device(device)
            throw .refused(openMessage(opened, info: found.info))
        }
        guard let description = interfaceDescription(device: device, number: number) else {
            libusb_close(handle)
            libusb_unref_device(device)
            throw .refused("\(found.info.name) has no interface \(number): it is not \(purpose) (wrong --device or --usb?)")
        }
        let opening = USBDeviceHandle(context: context, handle: handle, device: device, info: found.info,
                                      interface: description)
        try opening.claim(number)
        return opening
    }

    private func claim(_ number: Int) throws(BackendError) {
        // 1: a kernel driver holds the interface; 0: none; an error (ENODATA under
        // umockdev, NOT_SUPPORTED elsewhere): none we can see, so claim and find out.
        if libusb_kernel_driver_active(handle, Int32(number)) == 1 {
            let detached = libusb_detach_kernel_driver(handle, Int32(number))
            if detached == 0 {
                detachedKernelDriver = true
            } else if detached != LibUSB.notFound {
                close(releasing: false)
                throw .refused("\(info.name): a kernel driver holds interface \(number) and could not be detached "
                               + "(\(LibUSB.errorName(detached))); unload it or install the udev rule (README, USB)")
            }
        }
        let claimed = libusb_claim_interface(handle, Int32(number))
        guard claimed == 0 else {
            close(releasing: false)
            if claimed == LibUSB.busy {
                throw .refused("\(info.name) is busy: another program (or a kernel driver) has claimed interface "
                               + "\(number); close it and try again")
            }
            throw .refused("\(info.name): cannot claim interface \(number) (\(LibUSB.errorName(claimed)))")
        }
    }

    /// Releases the interface (unless it was never claimed), gives back the kernel
    /// driver, closes. Once.
    func close(releasing: Bool = true) {
        guard !closed else { return }
        closed = true
        if releasing { _ = libusb_release_interface(handle, Int32(interface.number)) }
        if detachedKernelDriver { _ = libusb_attach_kernel_driver(handle, Int32(interface.number)) }
        libusb_close(handle)
        libusb_unref_device(device)
    }

    private static func openMessage(_ code: Int32, info: USBDeviceInfo) -> String {
        switch code {
        case LibUSB.access:
            return "no permission to open \(info.name): install knead's udev rule so your login may use it "
                + "(README, 'USB devices without root'), then unplug and replug it"
        case LibUSB.busy:
            return "\(info.name) is busy: another program has it open; close it and try again"
        case LibUSB.noDevice:
            return "\(info.name) went away while opening it: plug it in again"
        default:
            return "cannot open \(info.name) (\(LibUSB.errorName(code)))"
        }
    }

    /// The first alternate setting of interface `number` in the active configuration.
    static func interfaceDescription(device: OpaquePointer, number: Int) -> USBInterfaceDescription? {
        var configPointer: UnsafeMutablePointer<libusb_config_descriptor>?
        var result = libusb_get_active_config_descriptor(device, &configPointer)
        if result != 0 { result = libusb_get_config_descriptor(device, 0, &configPointer) }
        guard result == 0, let config = configPointer else { return nil }
        defer { libusb_free_config_descriptor(config) }
        let count = Int(config.pointee.bNumInterfaces)
        guard let interfaces = config.pointee.interface else { return nil }
        for index in 0..<count {
            let interface = interfaces[index]
            guard interface.num_altsetting > 0, let settings = interface.altsetting else { continue }
            let setting = settings[0]
            guard Int(setting.bInterfaceNumber) == number else { continue }
            var endpoints: [USBEndpoint] = []
            if let list = setting.endpoint {
                for e in 0..<Int(setting.bNumEndpoints) { endpoints.append(USBEndpoint(list[e])) }
            }
            return USBInterfaceDescription(number: number, interfaceClass: setting.bInterfaceClass,
                                           subclass: setting.bInterfaceSubClass,
                                           interfaceProtocol: setting.bInterfaceProtocol, endpoints: endpoints)
        }
        return nil
    }
}
