import CLibUSB
import KneadEngine

/// One libusb context: what libusb knows about the machine's USB devices. Each link
/// and each listing has its own, so closing one never disturbs another.
final class LibUSBContext: @unchecked Sendable {
    // The context pointer is only handed to libusb, which is thread-safe per context.
    let pointer: OpaquePointer

    init() throws(BackendError) {
        var context: OpaquePointer?
        let result = libusb_init(&context)
        guard result == 0, let context else {
            throw .refused("libusb could not start (\(LibUSB.errorName(result))): "
                           + "is libusb-1.0 installed and /dev/bus/usb readable?")
        }
        pointer = context
    }

    deinit {
        libusb_exit(pointer)
    }

    /// Whether libusb can tell this program about devices coming and going.
    var hasHotplug: Bool { libusb_has_capability(UInt32(LIBUSB_CAP_HAS_HOTPLUG.rawValue)) != 0 }
}

/// libusb's words for its return codes and transfer statuses.
enum LibUSB {
    static func errorName(_ code: Int32) -> String {
        String(cString: libusb_error_name(code))
    }

    static let noDevice = LIBUSB_ERROR_NO_DEVICE.rawValue
    static let access = LIBUSB_ERROR_ACCESS.rawValue
    static let busy = LIBUSB_ERROR_BUSY.rawValue
    static let notFound = LIBUSB_ERROR_NOT_FOUND.rawValue

    static func statusName(_ status: libusb_transfer_status) -> String {
        switch status {
        case LIBUSB_TRANSFER_COMPLETED: return "completed"
        case LIBUSB_TRANSFER_ERROR: return "LIBUSB_TRANSFER_ERROR"
        case LIBUSB_TRANSFER_TIMED_OUT: return "LIBUSB_TRANSFER_TIMED_OUT"
        case LIBUSB_TRANSFER_CANCELLED: return "LIBUSB_TRANSFER_CANCELLED"
        case LIBUSB_TRANSFER_STALL: return "LIBUSB_TRANSFER_STALL"
        case LIBUSB_TRANSFER_NO_DEVICE: return "LIBUSB_TRANSFER_NO_DEVICE"
        case LIBUSB_TRANSFER_OVERFLOW: return "LIBUSB_TRANSFER_OVERFLOW"
        default: return "transfer status \(status.rawValue)"
        }
    }
}
