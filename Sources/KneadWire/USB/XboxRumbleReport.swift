/// The wired Xbox 360 controller's rumble report (045e:028e), sent on interface 0's
/// interrupt OUT endpoint: `00 08 00 <large> <small> 00 00 00` (report type 0, length
/// 8, then the two motor speeds, 0–255). The pad holds a speed until told another.
///
/// One intensity drives both motors (docs/drivers.md): the large motor (left grip,
/// heavy and slow: the deep, kneading buzz) follows intensity over the whole range;
/// the small one (right grip, light and fast: a sharp buzz) joins from half intensity
/// and reaches full speed with the large one, so the top of the range feels stronger
/// rather than only faster.
public enum XboxRumbleReport {
    public static let length = 8

    /// The motor speeds for `intensity` (0…1; outside is clamped, NaN is 0).
    public static func motors(intensity: Double) -> (large: UInt8, small: UInt8) {
        let level = intensity.isNaN ? 0 : min(max(intensity, 0), 1)
        return (byte(level), byte(max(0, level * 2 - 1)))
    }

    /// The 8-byte report for `intensity`.
    public static func report(intensity: Double) -> [UInt8] {
        let (large, small) = motors(intensity: intensity)
        return report(large: large, small: small)
    }

    public static func report(large: UInt8, small: UInt8) -> [UInt8] {
        [0x00, 0x08, 0x00, large, small, 0x00, 0x00, 0x00]
    }

    /// Both motors off: what stop sends.
    public static let stop = report(large: 0, small: 0)

    private static func byte(_ level: Double) -> UInt8 {
        UInt8((level * 255).rounded())
    }
}
