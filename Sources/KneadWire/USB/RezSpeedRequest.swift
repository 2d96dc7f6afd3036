/// The Rez Trance Vibrator's one command (0b49:064f): a vendor control transfer,
/// host to device, recipient "other" (bmRequestType 0x43), bRequest 0x01, wValue the
/// speed 0–255, wIndex 0, no data, as the Linux trancevibrator driver sends it. The
/// device holds a speed until told another.
public enum RezSpeedRequest {
    public static let requestType: UInt8 = 0x43
    public static let request: UInt8 = 0x01

    /// The speed for `intensity` (0…1; outside is clamped, NaN is 0): 255 steps.
    public static func speed(intensity: Double) -> UInt8 {
        let level = intensity.isNaN ? 0 : min(max(intensity, 0), 1)
        return UInt8((level * 255).rounded())
    }

    /// The 8-byte setup packet (little-endian fields) that sets `speed`.
    public static func setup(speed: UInt8) -> [UInt8] {
        [requestType, request, speed, 0x00, 0x00, 0x00, 0x00, 0x00]
    }

    public static func setup(intensity: Double) -> [UInt8] {
        setup(speed: speed(intensity: intensity))
    }

    /// Speed 0: what stop sends.
    public static let stop = setup(speed: 0)
}
