import KneadCore
import KneadWire

/// What differs between the USB report devices: the bytes for a level, the zero
/// report, and the interface the report goes through.
public enum USBReportCodec: Sendable, Equatable {
    case xbox360Rumble
    case rezTranceVibrator

    public init?(_ proto: DeviceProtocol) {
        switch proto {
        case .xbox360Rumble: self = .xbox360Rumble
        case .rezTranceVibrator: self = .rezTranceVibrator
        case .tcode, .kwp: return nil
        }
    }

    /// The motor levels for `intensity` (0…1), packed: the pad's large motor in the high
    /// byte and its small one in the low, the Rez's speed alone. 0 is everything off.
    public func levels(_ intensity: Double) -> UInt16 {
        switch self {
        case .xbox360Rumble:
            let (large, small) = XboxRumbleReport.motors(intensity: intensity)
            return UInt16(large) << 8 | UInt16(small)
        case .rezTranceVibrator: return UInt16(RezSpeedRequest.speed(intensity: intensity))
        }
    }

    /// The transfer's payload for `levels`: the 8-byte rumble report, or the 8-byte setup
    /// packet of the speed request.
    public func report(levels: UInt16) -> [UInt8] {
        switch self {
        case .xbox360Rumble: return XboxRumbleReport.report(large: UInt8(levels >> 8), small: UInt8(levels & 0xff))
        case .rezTranceVibrator: return RezSpeedRequest.setup(speed: UInt8(levels & 0xff))
        }
    }

    /// Everything off.
    public var zero: [UInt8] {
        switch self {
        case .xbox360Rumble: return XboxRumbleReport.stop
        case .rezTranceVibrator: return RezSpeedRequest.stop
        }
    }

    var protocolName: String {
        switch self {
        case .xbox360Rumble: return "Xbox 360 rumble report (USB interrupt OUT)"
        case .rezTranceVibrator: return "Rez Trance Vibrator speed request (USB control)"
        }
    }

    var model: String {
        switch self {
        case .xbox360Rumble: return "Xbox 360 Controller"
        case .rezTranceVibrator: return "Rez Trance Vibrator"
        }
    }

    var purpose: String {
        switch self {
        case .xbox360Rumble: return "an Xbox 360 pad's controller interface (class ff/5d, with an interrupt OUT endpoint)"
        case .rezTranceVibrator: return "a Rez Trance Vibrator"
        }
    }

    /// Where the reports go on `interface`, or what it lacks. The pad's OUT endpoint
    /// is read from the descriptors (sources disagree on its number).
    func plan(_ interface: USBInterfaceDescription) -> Result<USBLinkPlan, USBInterfaceMismatch> {
        switch self {
        case .xbox360Rumble:
            guard interface.interfaceClass == 0xff, interface.subclass == 0x5d else {
                return .failure(USBInterfaceMismatch(missing: "its class is not the pad's (ff/5d)"))
            }
            guard let out = interface.endpoint(.interrupt, out: true) else {
                return .failure(USBInterfaceMismatch(missing: "it has no interrupt OUT endpoint for the rumble report"))
            }
            return .success(USBLinkPlan(out: .interrupt(out.address), filling: .latest,
                                        capacity: max(out.maxPacketSize, XboxRumbleReport.length), input: nil))
        case .rezTranceVibrator:
            // Control transfers only: any interface the device has will do.
            return .success(USBLinkPlan(out: .control, filling: .latest, capacity: 8, input: nil))
        }
    }
}
