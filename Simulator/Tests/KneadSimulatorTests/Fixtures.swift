import KneadCore
import KneadEngine
@testable import KneadSimulator

/// A chair whose track has a 1 mm grid (1024 positions over 1023 mm) and round
/// kinematic limits, with a body mapped so that y = 0.1 is exactly 100 mm:
/// originX = 1023/2 − 500 = 11.5 mm, originY = 1023 − 23 − 1000 = 0.
enum Fixtures {
    static let gridChair = DeviceProfile(
        name: "grid-chair", summary: "test chair with a 1 mm grid", kind: .chair,
        intensity: .init(steps: 256, maxSlew: 2),
        pressure: .init(steps: 64, maxSlew: 1),
        position: .init(trackWidth: 1023, trackLength: 1023, maxSpeed: 100, maxAcceleration: 500, steps: 1024),
        heat: .init(channel: .init(steps: 16, maxSlew: 0.2), maxTemperature: 45, timeConstant: 30),
        maxRate: 1000, motorLag: 0.08, watchdog: 0.25)

    static let gridBody = BodyProfile(shoulderHeight: 1000, backWidth: 1000)

    static func gridModel(restY: Double = 0.1, configure: (inout DeviceModel.Configuration) -> Void = { _ in })
        -> DeviceModel {
        var configuration = DeviceModel.Configuration(watchdogPeriod: .infinity, body: gridBody, neckOffset: 23,
                                                      restPosition: BackPoint(x: 0.5, y: restY))
        configure(&configuration)
        return DeviceModel(profile: gridChair, configuration: configuration)
    }

    /// A setpoint at an anatomical point.
    static func setpoint(_ intensity: Double = 0, x: Double = 0.5, y: Double = 0.5, pressure: Double = 0,
                         heat: Double = 0) -> DeviceSetpoint {
        DeviceSetpoint(intensity: intensity, x: x, y: y, pressure: pressure, heat: heat)
    }

    /// Limits loose enough that the envelope passes test frames through (after its
    /// first frame, which always starts from zero).
    static let looseLimits = SafetyLimits(
        maxIntensity: 1, maxPressure: 1, maxHeat: 0.8, intensitySlew: 10, pressureSlew: 10, heatSlew: 1,
        positionSpeed: 10, sessionCap: 3600, maxFirmHold: 3600, endRamp: 1, startRamp: 0)

    static func frame(_ time: Double, intensity: Double = 0, x: Double = 0.5, y: Double = 0.5,
                      pressure: Double = 0, heat: Double = 0) -> Frame {
        Frame(time: time, intensity: intensity, x: x, y: y, pressure: pressure, heat: heat,
              technique: .vibration, target: .point(BackPoint(x: x, y: y)), step: 0)
    }
}
