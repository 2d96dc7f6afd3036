import CLibUSB
import FuzzSupport
@testable import KneadDrivers
@testable import KneadWire

/// What knead reads from USB descriptors and what it writes in reports. The input gives
/// an interface (class, subclass, protocol) and up to eight endpoint descriptors as
/// libusb hands them over, an intensity (any double), and the rest as a `--usb` selector.
/// Checks: each codec's plan for the interface is consistent with its endpoints; reports
/// are 8 bytes, zero for zero, NaN or less, and rise with intensity; a selector that
/// parses prints as text that parses back to itself.
@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var reader = ByteReader(fuzzBytes(data, size))
    let interfaceClass = reader.byte(), subclass = reader.byte(), interfaceProtocol = reader.byte()
    var endpoints: [USBEndpoint] = []
    for _ in 0..<Int(reader.byte() % 9) {
        var descriptor = libusb_endpoint_descriptor()
        descriptor.bLength = reader.byte()
        descriptor.bDescriptorType = reader.byte()
        descriptor.bEndpointAddress = reader.byte()
        descriptor.bmAttributes = reader.byte()
        descriptor.wMaxPacketSize = UInt16(reader.byte()) | UInt16(reader.byte()) << 8
        descriptor.bInterval = reader.byte()
        let endpoint = USBEndpoint(descriptor)
        fuzzCheck(endpoint.maxPacketSize >= 0 && endpoint.maxPacketSize <= 0x7ff, "max packet \(endpoint.maxPacketSize)")
        _ = endpoint.summary
        endpoints.append(endpoint)
    }
    let interface = USBInterfaceDescription(number: 0, interfaceClass: interfaceClass, subclass: subclass,
                                            interfaceProtocol: interfaceProtocol, endpoints: endpoints)
    _ = interface.summary
    for codec in [USBReportCodec.xbox360Rumble, .rezTranceVibrator] {
        switch codec.plan(interface) {
        case let .success(plan):
            fuzzCheck(plan.capacity >= 8, "\(codec): capacity \(plan.capacity)")
            if case let .interrupt(address) = plan.out {
                fuzzCheck(interface.endpoints.contains { $0.address == address && $0.isOut && $0.type == .interrupt },
                          "\(codec): planned OUT endpoint \(address) is not an interrupt OUT endpoint")
            }
        case let .failure(mismatch):
            _ = mismatch
        }
    }

    let a = reader.double(), b = reader.double()
    for codec in [USBReportCodec.xbox360Rumble, .rezTranceVibrator] {
        for intensity in [a, b] {
            let levels = codec.levels(intensity)
            let report = codec.report(levels: levels)
            fuzzCheck(report.count == 8, "\(codec): report of \(report.count) bytes")
            if intensity.isNaN || intensity <= 0 {
                fuzzCheck(levels == 0 && report == codec.zero, "\(codec): intensity \(intensity) gives \(report)")
            }
        }
        if !a.isNaN && !b.isNaN {
            let (low, high) = a <= b ? (a, b) : (b, a)
            let l = codec.levels(low), h = codec.levels(high)
            fuzzCheck(l >> 8 <= h >> 8 && l & 0xff <= h & 0xff, "\(codec): \(low) → \(l) but \(high) → \(h)")
        }
    }

    let text = String(decoding: reader.rest(), as: UTF8.self)
    if case let .success(selector) = USBSelector.parse(text) {
        fuzzCheck(USBSelector.parse(selector.description) == .success(selector),
                  "selector '\(text)' prints as '\(selector.description)', which reads back differently")
        _ = selector.matches(vendorID: selector.vendorID, productID: selector.productID, serial: selector.serial,
                             path: selector.path ?? "1-1")
    }
    return 0
}

@_cdecl("FuzzUSB_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runLibFuzzer(argc, argv, testOneInput)
}
