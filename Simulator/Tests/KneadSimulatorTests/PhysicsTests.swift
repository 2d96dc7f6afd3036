import Foundation
import KneadCore
import Testing
@testable import KneadSimulator

/// The model's physics against values computed by hand. The grid chair (Fixtures)
/// has a 1 kHz tick, motor lag 80 ms, 100 mm/s and 500 mm/s² on a 1 mm grid.
@Suite struct PhysicsTests {
    // MARK: Motor lag

    @Test func intensityFollowsAStepWithTheMotorLag() {
        let model = Fixtures.gridModel()
        model.receive(.setpoint(Fixtures.setpoint(1, y: 0.1), due: 0, timing: .onArrival), at: 0)
        // The tick update is the exact solution of the first-order lag over one tick,
        // a ← a + (1 − e^(−dt/τ))(s − a), so after k ticks a = 1 − e^(−k·dt/τ).
        model.advance(to: 0.04)
        #expect(abs(model.state.intensity - (1 - exp(-0.5))) < 1e-12)
        model.advance(to: 0.08)  // one time constant: 80 ticks
        #expect(abs(model.state.intensity - (1 - exp(-1))) < 1e-12)
        model.advance(to: 0.16)
        #expect(abs(model.state.intensity - (1 - exp(-2))) < 1e-12)
    }

    @Test func aSetpointBetweenTicksTakesEffectAtTheNextTick() {
        let model = Fixtures.gridModel()
        model.advance(to: 0.0004)
        model.receive(.setpoint(Fixtures.setpoint(1, y: 0.1), due: 0.0004, timing: .onArrival), at: 0.0004)
        model.advance(to: 0.001)
        #expect(model.state.intensity == 0)
        #expect(model.state.setIntensity == 1)
        model.advance(to: 0.081)  // 80 ticks after tick 1
        #expect(abs(model.state.intensity - (1 - exp(-1))) < 1e-12)
    }

    @Test func intensityDecaysWithTheSameLag() {
        let model = Fixtures.gridModel()
        model.receive(.setpoint(1, y: 0.1), at: 0)
        model.advance(to: 1)
        let start = model.state.intensity
        model.receive(.setpoint(0, y: 0.1), at: 1)
        model.advance(to: 1.08)
        #expect(abs(model.state.intensity - start * exp(-1)) < 1e-12)
    }

    // MARK: Quantization

    @Test func levelsAreQuantizedToTheNearestStep() {
        let chair = DeviceProfile.chair
        // 256 steps: 0.5004 × 255 = 127.60 → level 128/255.
        #expect(DeviceModel.quantize(0.5004, chair.intensity) == 128.0 / 255.0)
        // 64 steps: 0.5004 × 63 = 31.53 → 32/63; 16 steps: 0.5004 × 15 = 7.506 → 8/15.
        #expect(DeviceModel.quantize(0.5004, chair.pressure!) == 32.0 / 63.0)
        #expect(DeviceModel.quantize(0.5004, chair.heat!.channel) == 8.0 / 15.0)
        // 100 steps (handheld): 0.5004 × 99 = 49.54 → 50/99.
        #expect(DeviceModel.quantize(0.5004, DeviceProfile.handheld.intensity) == 50.0 / 99.0)
    }

    @Test func quantizationRespectsTheChannelCapAndBadInput() {
        let capped = DeviceProfile.Channel(steps: 256, maxSlew: 1, max: 0.7)
        // 0.7 × 255 = 178.5 would round up past the cap: the step below it, 178/255.
        #expect(DeviceModel.quantize(0.9, capped) == 178.0 / 255.0)
        #expect(DeviceModel.quantize(.nan, capped) == 0)
        #expect(DeviceModel.quantize(-3, capped) == 0)
        #expect(DeviceModel.quantize(.infinity, DeviceProfile.chair.intensity) == 1)
    }

    @Test func setpointsInTheModelAreQuantized() {
        let model = Fixtures.gridModel()
        model.receive(.setpoint(Fixtures.setpoint(0.5004, x: 0.5, y: 0.1004, pressure: 0.5004, heat: 0.5004),
                                due: 0, timing: .onArrival), at: 0)
        let state = model.state
        #expect(state.setIntensity == 128.0 / 255.0)
        #expect(state.setPressure == 32.0 / 63.0)
        #expect(state.setHeat == 8.0 / 15.0)
        // y 0.1004 → 100.4 mm → the 1 mm grid → 100 mm; x 0.5 → 511.5 mm → 512 mm.
        #expect(state.setY == 100)
        #expect(state.setX == 512)
    }

    @Test func positionsAreQuantizedToTheTrackGridOfTheChair() {
        let mapping = BodyMapping(profile: .chair)
        // Default body 400 × 320 mm on a 420 × 700 mm track, neck 60 mm below its end:
        // x 0.5004 → 210 + 0.0004 × 400 = 210.16 mm; the grid is 420/1023 mm:
        // 210.16 / 420 × 1023 = 511.89 → position 512 → 512 × 420 / 1023 mm.
        let position = DeviceModel.quantizedPosition(BackPoint(x: 0.5004, y: 1), mapping: mapping, profile: .chair)
        #expect(position.x == 512 * 420 / 1023.0)
        // y 1 (the base of the neck) → 700 − 60 = 640 mm: 640 / 700 × 1023 = 935.31 → 935.
        #expect(position.y == 935 * 700 / 1023.0)
    }

    // MARK: Roller kinematics

    @Test func aLongMoveTakesDistanceOverSpeedPlusTheAccelerationTime() {
        let model = Fixtures.gridModel()
        #expect(model.state.y == 100)
        model.receive(.setpoint(0, y: 0.4), at: 0)  // 300 mm up the track
        // 300 mm / 100 mm/s + 100 mm/s / 500 mm/s² = 3.2 s: 0.2 s to full speed
        // (10 mm), 2.8 s cruising (280 mm), 0.2 s braking (10 mm).
        model.advance(to: 3.199)
        #expect(model.state.y < 400)
        #expect(model.state.velocityY > 0)
        model.advance(to: 3.2)
        #expect(model.state.y == 400)
        #expect(model.state.velocityY == 0)
        #expect(model.state.x == 512)
    }

    @Test func speedNeverExceedsTheLimitAndTheTwoAxesMoveIndependently() {
        let model = Fixtures.gridModel()
        // x 512 → 612 mm (100 mm: 1 s + 0.2 s), y 100 → 400 mm (3.2 s).
        model.receive(.setpoint(Fixtures.setpoint(0, x: 0.6005, y: 0.4), due: 0, timing: .onArrival), at: 0)
        var fastest = 0.0
        var xArrival: Double?
        for tick in 1...3300 {
            model.advance(to: Double(tick) / 1000)
            let state = model.state
            fastest = max(fastest, abs(state.velocityX), abs(state.velocityY))
            if xArrival == nil && state.x == 612 && state.velocityX == 0 { xArrival = state.time }
        }
        #expect(abs(fastest - 100) < 1e-9)
        #expect(xArrival == 1.2)
        #expect(model.state.y == 400)
    }

    @Test func accelerationIsLimitedOnTheWayUpAndDown() {
        let model = Fixtures.gridModel()
        model.receive(.setpoint(0, y: 0.4), at: 0)
        // ½·a·t²: 2.5 mm after 0.1 s at 50 mm/s; 10 mm after 0.2 s at full speed.
        model.advance(to: 0.1)
        #expect(abs(model.state.y - 102.5) < 1e-9)
        #expect(abs(model.state.velocityY - 50) < 1e-9)
        model.advance(to: 0.2)
        #expect(abs(model.state.y - 110) < 1e-9)
        #expect(abs(model.state.velocityY - 100) < 1e-9)
        // Braking mirrors it: 0.1 s before arriving, 2.5 mm to go at 50 mm/s.
        model.advance(to: 3.1)
        #expect(abs(model.state.y - 397.5) < 1e-9)
        #expect(abs(model.state.velocityY - 50) < 1e-9)
    }

    @Test func aShortMoveNeverOvershootsNorJerks() {
        let model = Fixtures.gridModel()
        model.receive(.setpoint(0, y: 0.11), at: 0)  // 10 mm: too short to reach full speed
        var previous = model.state
        var arrival: Double?
        for tick in 1...400 {
            model.advance(to: Double(tick) / 1000)
            let state = model.state
            #expect(state.y <= 110)
            #expect(state.y >= previous.y)
            #expect(abs(state.velocityY - previous.velocityY) <= 500 * 0.001 * (1 + 1e-9))
            if arrival == nil && state.y == 110 && state.velocityY == 0 { arrival = state.time }
            previous = state
        }
        // Continuous bang-bang: 2·√(D/a) = 2·√(0.02) = 0.2828 s; the tick model lands
        // on the first tick after it.
        #expect(arrival == 0.283)
    }

    @Test func aHandheldHasNoTrackAndItsPositionIsWhereItIsHeld() {
        let model = DeviceModel(profile: .handheld)
        model.receive(.setpoint(Fixtures.setpoint(0.5, x: 0.25, y: 0.75), due: 0, timing: .onArrival), at: 0)
        model.advance(to: 0.001)
        let state = model.state
        // Body millimetres: 0.25 × 400, 0.75 × 320.
        #expect(state.x == 100)
        #expect(state.y == 240)
        #expect(state.position == BackPoint(x: 0.25, y: 0.75))
        #expect(model.errorSummary.position == nil)
    }

    // MARK: Pressure and heat

    @Test func pressureFollowsAtItsSlewLimit() {
        let model = Fixtures.gridModel()
        model.receive(.setpoint(Fixtures.setpoint(0, y: 0.1, pressure: 0.5004), due: 0, timing: .onArrival), at: 0)
        // 1 full scale per second: 0.001 a tick toward 32/63 = 0.50794.
        model.advance(to: 0.25)
        #expect(abs(model.state.pressure - 0.25) < 1e-12)
        model.advance(to: 0.507)
        #expect(abs(model.state.pressure - 0.507) < 1e-12)
        model.advance(to: 0.508)
        #expect(model.state.pressure == 32.0 / 63.0)
    }

    @Test func heatApproachesItsTargetWithTheElementTimeConstant() {
        // 45 °C at heat 1, τ = 30 s, room 22 °C; the watchdog off to hold the setpoint.
        let model = DeviceModel(profile: .chair, configuration: .init(watchdogPeriod: .infinity))
        model.receive(.setpoint(Fixtures.setpoint(0, heat: 1), due: 0, timing: .onArrival), at: 0)
        model.advance(to: 30)
        // 22 + (45 − 22)(1 − e^(−1)) = 36.5388 °C
        #expect(abs(model.state.temperature - (22 + 23 * (1 - exp(-1)))) < 1e-9)
        model.advance(to: 600)
        #expect(model.state.temperature <= 45)
        #expect(model.state.temperature > 44.999)
        // Cooling: the same time constant toward the room.
        model.receive(.setpoint(Fixtures.setpoint(0, heat: 0), due: 600, timing: .onArrival), at: 600)
        let hot = model.state.temperature
        model.advance(to: 630)
        #expect(abs(model.state.temperature - (22 + (hot - 22) * exp(-1))) < 1e-9)
    }

    @Test func heatNeverExceedsTheMaximumTemperature() {
        // A room hotter than the pad's cap: the element cuts out at 45 °C.
        let sink = MemoryTraceSink()
        let model = DeviceModel(profile: .chair, configuration: .init(ambientTemperature: 50))
        model.attachTrace(TraceWriter(sink: sink), interval: 1)
        #expect(model.state.temperature == 45)
        model.receive(.setpoint(Fixtures.setpoint(0, heat: 1), due: 0, timing: .onArrival), at: 0)
        for second in 1...100 {
            model.advance(to: Double(second))
            #expect(model.state.temperature <= 45)
        }
        model.finishTrace()
        #expect(sink.lines[2] == "0.001,0.0000,210.21,479.67,0.0000,1.0000,0.0000,210.21,479.67,0.0000,45.00,heat-cutoff")
    }
}

extension DeviceCommand {
    /// An immediate setpoint at (0.5, y) due when it arrives.
    static func setpoint(_ intensity: Double, y: Double) -> DeviceCommand {
        .setpoint(Fixtures.setpoint(intensity, y: y), due: 0, timing: .onArrival)
    }
}

/// Issue 9: a chair taps with its own mechanism. Handed rate and depth, the simulated
/// chair's actual intensity swings at that rate with that depth, on its steady level.
@Suite struct PercussionPhysicsTests {
    @Test func theChairTapsAtTheRateAndDepthItIsGiven() {
        let model = DeviceModel(profile: .chair, configuration: .init(watchdogPeriod: .infinity))
        var setpoint = DeviceSetpoint(intensity: 0.5, x: 0.5, y: 0.5)
        setpoint.percussionRate = 6
        setpoint.percussionDepth = 1
        model.receive(.setpoint(setpoint, due: 0, timing: .onArrival), at: 0)
        model.advance(to: 1)   // the motor has reached its level (lag 80 ms)
        var levels: [Double] = []
        for k in 1...1000 {
            model.advance(to: 1 + Double(k) / 1000)
            levels.append(model.state.intensity)
        }
        let high = levels.max() ?? 0, low = levels.min() ?? 1
        #expect(high > 0.49 && low < 0.01, "full taps: \(low)…\(high)")
        // Six taps in the second: six times from below a tenth back up past nine tenths.
        var taps = 0, down = false
        for level in levels {
            if level < 0.05 { down = true } else if down && level > 0.45 { taps += 1; down = false }
        }
        #expect(taps == 6)
    }

    @Test func aDeviceWithoutTheMechanismIgnoresItAndStopEndsTheTaps() {
        let handheld = DeviceModel(profile: .handheld, configuration: .init(watchdogPeriod: .infinity))
        var setpoint = DeviceSetpoint(intensity: 0.5, x: 0.5, y: 0.5)
        setpoint.percussionRate = 6
        setpoint.percussionDepth = 1
        handheld.receive(.setpoint(setpoint, due: 0, timing: .onArrival), at: 0)
        handheld.advance(to: 1)
        let levels = (1...200).map { k -> Double in
            handheld.advance(to: 1 + Double(k) / 1000)
            return handheld.state.intensity
        }
        #expect((levels.max() ?? 0) - (levels.min() ?? 0) < 1e-4, "a handheld has no tapping mechanism")

        let chair = DeviceModel(profile: .chair, configuration: .init(watchdogPeriod: .infinity))
        chair.receive(.setpoint(setpoint, due: 0, timing: .onArrival), at: 0)
        chair.advance(to: 1)
        chair.receive(.stop, at: 1)
        chair.advance(to: 3)
        #expect(chair.state.intensity < 1e-6)
    }
}
