import CLibUSB
import KneadEngine

/// Why a transfer did not go through, in the words a message needs.
enum USBTransferFailure: Sendable, Equatable {
    /// Unplugged: LIBUSB_TRANSFER_NO_DEVICE, LIBUSB_ERROR_NO_DEVICE or a hotplug "left".
    case unplugged(String)
    /// The endpoint stalled (the device refused the transfer).
    case stalled(endpoint: String)
    /// The device took no transfer within the deadline.
    case deadline(endpoint: String, milliseconds: Int)
    /// Any other status or submit error.
    case other(endpoint: String, what: String)

    func backendError(device: String) -> BackendError {
        switch self {
        case let .unplugged(how):
            return .disconnected("\(device) was unplugged (\(how))")
        case let .stalled(endpoint):
            return .protocolError("\(device) stalled endpoint \(endpoint): it refused what was sent "
                                  + "(LIBUSB_TRANSFER_STALL; the wrong --device for it?)")
        case let .deadline(endpoint, milliseconds):
            return .timedOut("\(device) took no transfer on endpoint \(endpoint) within \(milliseconds) ms: "
                             + "it stopped answering (unplug and replug it)")
        case let .other(endpoint, what):
            return .disconnected("\(device) failed on endpoint \(endpoint) (\(what))")
        }
    }

    static func from(status: libusb_transfer_status, endpoint: String, deadline: Int) -> USBTransferFailure {
        switch status {
        case LIBUSB_TRANSFER_NO_DEVICE: return .unplugged("LIBUSB_TRANSFER_NO_DEVICE")
        case LIBUSB_TRANSFER_STALL: return .stalled(endpoint: endpoint)
        case LIBUSB_TRANSFER_TIMED_OUT: return .deadline(endpoint: endpoint, milliseconds: deadline)
        default: return .other(endpoint: endpoint, what: LibUSB.statusName(status))
        }
    }

    static func from(submitError code: Int32, endpoint: String) -> USBTransferFailure {
        code == LibUSB.noDevice
            ? .unplugged("LIBUSB_ERROR_NO_DEVICE")
            : .other(endpoint: endpoint, what: "submitting failed: \(LibUSB.errorName(code))")
    }
}
