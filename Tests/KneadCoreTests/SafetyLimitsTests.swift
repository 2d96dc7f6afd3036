import Testing
import KneadCore

/// `SafetyLimits.resolve`: the numbers each device, body, pattern and person give.
@Suite("Safety limits")
struct SafetyLimitsTests {
    @Test func chairDefaults() {
        let limits = SafetyLimits.resolve(device: .chair)
        #expect(limits.maxIntensity == 1)
        #expect(limits.maxPressure == 1)
        // The chair's element allows 1.0; the envelope's absolute heat cap is 0.8.
        #expect(limits.maxHeat == 0.8)
        #expect(limits.intensitySlew == 2)
        #expect(limits.pressureSlew == 1)
        #expect(limits.heatSlew == 0.2)
        // 120 mm/s over the larger of 320 mm and 400 mm.
        #expect(limits.positionSpeed == 0.3)
        #expect(limits.positionSpeed == DeviceProfile.chair.travelSpeed(for: .default))
        #expect(limits.sessionCap == 1800)
        #expect(limits.maxFirmHold == 35)
        // Every way out reaches zero within the profile's stop ramp (default 250 ms).
        #expect(limits.endRamp == 0.25)
        #expect(limits.startRamp == 3)
        #expect(limits.personCap == 1)
        // 30 mm over the smaller of 320 mm and 400 mm.
        #expect(limits.firmHoldRadius == 0.09375)
    }

    @Test func handheldHasNoPressureNoHeatAndAHandSpeed() {
        let limits = SafetyLimits.resolve(device: .handheld)
        #expect(limits.maxIntensity == 1)
        #expect(limits.maxPressure == 0)
        #expect(limits.maxHeat == 0)
        #expect(limits.intensitySlew == 3)
        #expect(limits.positionSpeed == 0.2)
        #expect(limits.endRamp == 0.25)

        let envelope = SafetyEnvelope(limits: limits)
        var last: SafeFrame?
        for n in 0...500 { last = envelope.admit(frame(Double(n) / 100, intensity: 0.6, pressure: 0.9, heat: 0.9)) }
        #expect(last?.intensity == 0.6)
        #expect(last?.pressure == 0)
        #expect(last?.heat == 0)
    }

    @Test func lowestCapWins() {
        let limits = SafetyLimits.resolve(device: .chair, pattern: PatternLimits(intensity: 0.7, pressure: 0.5, heat: 0.9),
                                          personCap: 0.6)
        #expect(limits.maxIntensity == 0.7)
        #expect(limits.maxPressure == 0.5)
        #expect(limits.maxHeat == 0.8)
        #expect(limits.personCap == 0.6)
        #expect(limits.effectiveMaxIntensity == 0.6)
        #expect(limits.effectiveMaxPressure == 0.5)
        // The end ramp is the device's stop ramp, whatever the caps; a profile asking for
        // more than 300 ms gets 300 ms, and garbage the default.
        #expect(limits.endRamp == 0.25)
        var slow = DeviceProfile.chair
        slow.stopRamp = 2
        #expect(SafetyLimits.resolve(device: slow).endRamp == 0.3)
        slow.stopRamp = .nan
        #expect(SafetyLimits.resolve(device: slow).endRamp == 0.25)
        slow.stopRamp = 0.1
        #expect(SafetyLimits.resolve(device: slow).endRamp == 0.1)
    }

    @Test func sessionCapCanBeRaisedButNotWithoutBound() {
        #expect(SafetyLimits.resolve(device: .chair, sessionCap: 90 * 60).sessionCap == 5400)
        #expect(SafetyLimits.resolve(device: .chair, sessionCap: 600).sessionCap == 600)
        #expect(SafetyLimits.resolve(device: .chair, sessionCap: .infinity).sessionCap == SafetyLimits.longestSessionCap)
        #expect(SafetyLimits.resolve(device: .chair, sessionCap: .nan).sessionCap == 1800)
        #expect(SafetyLimits.resolve(device: .chair, sessionCap: -5).sessionCap == 1800)
    }

    @Test func bodySizeScalesSpeedAndRadius() {
        let small = SafetyLimits.resolve(device: .chair, body: BodyProfile(shoulderHeight: 250, backWidth: 300))
        #expect(small.positionSpeed == 120.0 / 300)
        #expect(small.firmHoldRadius == 30.0 / 250)
        let absurd = SafetyLimits.resolve(device: .chair, body: BodyProfile(shoulderHeight: .nan, backWidth: 1e9))
        #expect(absurd.positionSpeed == 120.0 / 1000)
        #expect(absurd.firmHoldRadius == 30.0 / 320)
    }

    @Test func badProfilesAreHeldToTheAbsoluteCeilings() {
        let wild = DeviceProfile(
            name: "wild", summary: "", kind: .chair,
            intensity: .init(steps: 256, maxSlew: 500, max: 3),
            pressure: .init(steps: 64, maxSlew: .nan, max: .nan),
            position: .init(trackWidth: 400, trackLength: 700, maxSpeed: 5000, maxAcceleration: 600, steps: 1024),
            heat: .init(channel: .init(steps: 16, maxSlew: 40, max: 1), maxTemperature: 45, timeConstant: 30),
            maxRate: 2000)
        let limits = SafetyLimits.resolve(device: wild, pattern: PatternLimits(intensity: .nan), personCap: 7)
        #expect(limits.maxIntensity == 0)
        #expect(limits.intensitySlew == SafetyLimits.absoluteMaxSlew)
        #expect(limits.maxPressure == 0)
        #expect(limits.pressureSlew == 0)
        #expect(limits.heatSlew == SafetyLimits.absoluteMaxHeatSlew)
        #expect(limits.positionSpeed == SafetyLimits.absoluteMaxSpeed / 400)
        #expect(limits.personCap == 1)
    }

    @Test func envelopeSanitizesLimitsItIsGiven() {
        // Limits built by hand with NaN and negative numbers: nothing moves, nothing breaks.
        let broken = SafetyLimits(maxIntensity: .nan, maxPressure: -1, maxHeat: .infinity, intensitySlew: .nan,
                                  pressureSlew: -3, heatSlew: .infinity, positionSpeed: .nan, sessionCap: .nan,
                                  maxFirmHold: .nan, endRamp: .nan, startRamp: .nan)
        let envelope = SafetyEnvelope(limits: broken)
        let out = (0...300).map { envelope.admit(frame(Double($0) / 100, intensity: 1, x: Double($0) / 300,
                                                       pressure: 1, heat: 1)) }
        for f in out {
            #expect(f.intensity == 0 && f.pressure == 0)
            #expect(f.position == out[0].position)
        }
        // Heat: cap 1 held to 0.8, slew inf held to 1/s.
        #expect(abs(out[50].heat - 0.5) < 1e-12)
        #expect(out[300].heat == 0.8)
    }
}
