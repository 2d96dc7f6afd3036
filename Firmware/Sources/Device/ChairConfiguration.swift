/// What the firmware announces in IDENTIFY: the chair of `Profiles/knead-chair.yaml`,
/// with the same figures the simulator announces for it
/// (Simulator/Sources/KneadSimulator/Serving/KWPServedDevice.swift).
enum ChairConfiguration {
    static let model: StaticString = "knead-firmware (mps2-an386)"
    static let firmware: StaticString = "0.1.0"

    /// `motor-lag: 80ms`: the motors follow a setpoint as a first-order lag.
    static let motorLagMicroseconds: UInt32 = 80_000

    static func make() -> KWPDeviceConfiguration {
        // max-slew in thousandths of full scale a second: intensity 2/s, pressure 1/s,
        // heat 0.2/s; the roller's 120 mm/s across the default body (400 mm wide, 320 mm
        // from rib cage to neck) is 0.3/s in x and 0.375/s in y.
        let channels = [
            KWPChannelInfo(channel: .intensity, steps: 256, min: 0, max: 0xFFFF, maxSlew: 2000),
            KWPChannelInfo(channel: .x, steps: 1024, min: 0, max: 0xFFFF, maxSlew: 300),
            KWPChannelInfo(channel: .y, steps: 1024, min: 0, max: 0xFFFF, maxSlew: 375),
            KWPChannelInfo(channel: .pressure, steps: 64, min: 0, max: 0xFFFF, maxSlew: 1000),
            KWPChannelInfo(channel: .heat, steps: 16, min: 0, max: 0xFFFF, maxSlew: 200),
            // The tapping mechanism (`percussion: {min-rate: 1Hz, max-rate: 12Hz, steps: 64}`):
            // rate in hundredths of a hertz, 0 = no taps (docs/protocol.md 2.5).
            KWPChannelInfo(channel: .percussionRate, steps: 64, min: 0, max: 1200, maxSlew: 0),
            KWPChannelInfo(channel: .percussionDepth, steps: 64, min: 0, max: 0xFFFF, maxSlew: 0),
        ]
        let parameters = KWPDeviceParameters(clockHz: 1_000_000, bufferDepth: 128, maxBatch: 16,
                                             watchdogMilliseconds: 250, stopRampMilliseconds: 250,
                                             telemetryPeriodMilliseconds: 50)
        // The roller rests on the spine, halfway up (BackPoint.restPosition).
        var rest = KWPChannelValues.zero
        rest[.x] = 0x8000
        rest[.y] = 0x8000
        return KWPDeviceConfiguration(parameters: parameters, channels: channels,
                                      model: bytes(model), firmware: bytes(firmware),
                                      rest: rest, outputCapacity: 1024)
    }

    /// A constant's UTF-8 bytes (StaticString: no String machinery in the image).
    private static func bytes(_ text: StaticString) -> [UInt8] {
        text.withUTF8Buffer { Array($0) }
    }
}
