import KneadCore
import KneadWire
import Testing
@testable import KneadSimulator

/// The protocol adapters of `knead sim` on the grid chair (1 mm grid; y = 0.1 is 100 mm,
/// x = 0.5 is 511.5 mm), in device time chosen by the test.
@Suite("Serving: protocol device sides on the model")
struct ServingDeviceTests {
    static func model(restY: Double = 0.5) -> DeviceModel {
        Fixtures.gridModel(restY: restY)
    }

    static func tcode(_ model: DeviceModel) throws -> TCodeServedDevice {
        TCodeServedDevice(model: model, axes: try TCodeServedDevice.axisMap(for: Fixtures.gridChair),
                          firmware: "knead-sim 1 (grid-chair)")
    }

    static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    // MARK: TCode

    @Test func tcodeAnswersTheQueriesAsFirmwareDoes() throws {
        let device = try Self.tcode(Self.model())
        device.receive(Array("d1\r".utf8)[...], at: 0.1)  // a terminal's Enter sends CR
        #expect(Self.text(device.takeOutput()) == "TCode v0.3\n")
        device.receive(Array("D0\nD2\n".utf8)[...], at: 0.2)
        #expect(Self.text(device.takeOutput())
                == "knead-sim 1 (grid-chair)\nL0 0 9999 y\nL1 0 9999 pressure\nL2 0 9999 x\nV0 0 9999 intensity\n")
        #expect(device.takeEvents().map(\.text) == [
            "D1 asked: answered TCode v0.3",
            "D0 asked: answered knead-sim 1 (grid-chair)",
            "D2 asked: answered L0 0 9999 y | L1 0 9999 pressure | L2 0 9999 x | V0 0 9999 intensity",
        ])
    }

    @Test func axisCommandsActAtOnceOrRampLinearlyOverTheirInterval() throws {
        let model = Self.model()
        let device = try Self.tcode(model)
        device.receive(Array("V05 L01I100 L15\n".utf8)[...], at: 1.0)
        device.advance(to: 1.0)
        #expect(model.state.setIntensity == DeviceModel.quantize(0.5, Fixtures.gridChair.intensity))
        #expect(model.state.setPressure == DeviceModel.quantize(0.5, Fixtures.gridChair.pressure!))
        #expect(model.state.setY == 500)
        device.advance(to: 1.05)  // halfway from 500 mm to 100 mm
        #expect(model.state.setY == 300)
        device.advance(to: 1.2)
        #expect(model.state.setY == 100)
        // S: 1000/10000 of the range per 100 ms, from 0.1 to 0.3 takes 200 ms.
        device.receive(Array("L03S1000\n".utf8)[...], at: 2.0)
        device.advance(to: 2.1)
        #expect(model.state.setY == 200)
        device.advance(to: 2.3)
        #expect(model.state.setY == 300)
    }

    @Test func dstopZeroesTheLevelsAndHoldsThePositions() throws {
        let model = Self.model()
        let device = try Self.tcode(model)
        device.receive(Array("V07 L02 L14\n".utf8)[...], at: 1.0)
        device.receive(Array("DSTOP\n".utf8)[...], at: 1.5)
        device.advance(to: 1.6)
        let state = model.state
        #expect(state.setIntensity == 0 && state.setPressure == 0)
        #expect(state.setY == 200)
        // The next line moves only what it names: intensity comes back, pressure stays 0.
        device.receive(Array("V03\n".utf8)[...], at: 2.0)
        device.advance(to: 2.0)
        #expect(model.state.setIntensity == DeviceModel.quantize(0.3, Fixtures.gridChair.intensity))
        #expect(model.state.setPressure == 0)
        _ = device.takeEvents()
        guard case let .tcode(counters) = device.protocolReport else { Issue.record("not TCode"); return }
        #expect(counters.stops == 1 && counters.axisCommands == 4 && counters.lines == 3)
    }

    @Test func vibrationRampsToZeroTwoSecondsAfterTheLastCommand() throws {
        let model = Self.model()
        let device = try Self.tcode(model)
        device.receive(Array("V08 L02\n".utf8)[...], at: 1.0)
        device.advance(to: 2.999)
        #expect(model.state.setIntensity == DeviceModel.quantize(0.8, Fixtures.gridChair.intensity))
        device.advance(to: 3.25)  // fired at 3.0, halfway down its 0.5 s ramp
        #expect(model.state.setIntensity == DeviceModel.quantize(0.4, Fixtures.gridChair.intensity))
        #expect(model.state.setY == 200)  // linear axes hold
        device.advance(to: 3.5)
        #expect(model.state.setIntensity == 0)
        #expect(device.takeEvents().map(\.text)
                == ["no command for 2 s: V0 ramp to zero (TCode vibration timeout)"])
        guard case let .tcode(counters) = device.protocolReport else { Issue.record("not TCode"); return }
        #expect(counters.watchdogFirings == 1)
    }

    @Test func badTokensAndUnmappedAxesAreIgnoredAndTheRestOfTheLineActs() throws {
        let model = Self.model()
        let device = try Self.tcode(model)
        device.receive(Array("XYZ V06 R05 R07 L0\n".utf8)[...], at: 1.0)
        device.advance(to: 1.0)
        #expect(model.state.setIntensity == DeviceModel.quantize(0.6, Fixtures.gridChair.intensity))
        #expect(device.takeEvents().map(\.text) == [
            "ignored 'XYZ': not a TCode command",
            "ignored 'L0': axis L0 without a value",
            "axis R0 is not mapped on this device: ignored",
        ])
        guard case let .tcode(counters) = device.protocolReport else { Issue.record("not TCode"); return }
        #expect(counters.invalidTokens == 2 && counters.unmappedCommands == 1)
        #expect(model.counters.rejectedMessages == 2)
    }

    @Test func aHandheldIsServedWithVibrationOnly() throws {
        let axes = try TCodeServedDevice.axisMap(for: .handheld)
        #expect(axes.entries.map(\.axis.description) == ["V0"])
        let osr2 = DeviceProfile(name: "osr2", summary: "", kind: .chair, intensity: .init(steps: 10000, maxSlew: 4),
                                 maxRate: 333, connection: .init(protocol: .tcode, axes: [.intensity: "V1", .y: "L0"]))
        #expect(try TCodeServedDevice.axisMap(for: osr2).entries.map(\.axis.description) == ["L0", "V1"])
    }

    // MARK: Knead wire protocol

    /// A host session and the served device exchanging bytes instantly, in device time.
    struct WireLink {
        var host = KWPHostSession()
        let device: KWPServedDevice
        /// When the host last sent something.
        var lastSent = 0.0

        mutating func exchange(at time: Double) {
            host.poll(now: time)
            let toDevice = host.takeOutput()
            if !toDevice.isEmpty {
                device.receive(toDevice[...], at: time)
                lastSent = time
            }
            device.advance(to: time)
            let toHost = device.takeOutput()
            if !toHost.isEmpty { host.receive(toHost, now: time) }
            host.poll(now: time)
        }

        mutating func run(from start: Double, to end: Double, step: Double = 0.001) {
            var time = start
            while time <= end + 1e-9 {
                exchange(at: time)
                time += step
            }
        }
    }

    static func wire(_ model: DeviceModel) -> WireLink {
        let configuration = KWPServedDevice.configuration(for: Fixtures.gridChair, body: Fixtures.gridBody,
                                                          rest: model.configuration.restPosition)
        return WireLink(device: KWPServedDevice(model: model, configuration: configuration))
    }

    @Test func theWireDeviceAnnouncesTheProfileAndPlaysSetpointsAtTheirTime() throws {
        let model = Self.model()
        var link = Self.wire(model)
        link.host.start(now: 0)
        link.run(from: 0, to: 0.2)
        let identity = try #require(link.host.identity)
        #expect(identity.model == "knead sim (grid-chair)")
        #expect(identity.channels.map(\.channel) == [.intensity, .x, .y, .pressure, .heat])
        #expect(identity.channels.map(\.steps) == [256, 1024, 1024, 64, 16])
        #expect(identity.parameters.watchdogMilliseconds == 250)
        #expect(link.host.state == .ready)

        // Three setpoints 10 ms apart, sent 150 ms ahead.
        for (index, intensity) in [0.2, 0.6, 1.0].enumerated() {
            link.host.enqueue(ChannelValues(intensity: intensity, x: 0.5, y: 0.1), at: 0.5 + Double(index) * 0.01)
        }
        var executed: [(time: Double, count: Int)] = []
        link.device.onExecuted = { time, count in executed.append((time, count)) }
        link.run(from: 0.201, to: 0.6)
        // Each at the first device tick at or after its time (host and device share a
        // clock here, so the host's estimate of the device clock is exact to a tick).
        #expect(executed.map(\.count) == [1, 1, 1])
        for (run, due) in zip(executed, [0.5, 0.51, 0.52]) {
            #expect(run.time >= due - 0.001 && run.time <= due + 0.001, "due \(due), executed \(run.time)")
        }
        guard case let .kwp(counters) = link.device.protocolReport else { Issue.record("not KWP"); return }
        #expect(counters.accepted == 3 && counters.executed == 3 && counters.late == 0)
        #expect(model.state.setIntensity == 1)
        #expect(model.state.setY == 100)
        #expect(link.device.takeEvents().map(\.text).prefix(2)
                == ["HELLO: identified as knead sim (grid-chair)", "state ready → playing"])
    }

    @Test func aSilentHostTripsTheWireWatchdogAndTheLevelsRampToZero() throws {
        let model = Self.model()
        var link = Self.wire(model)
        link.host.start(now: 0)
        link.run(from: 0, to: 0.2)
        link.host.enqueue(ChannelValues(intensity: 0.8, x: 0.5, y: 0.5, pressure: 0.5), at: 0.4)
        link.run(from: 0.201, to: 0.45)
        #expect(model.state.setIntensity == DeviceModel.quantize(0.8, Fixtures.gridChair.intensity))
        // The host falls silent (killed): only the device runs on.
        let lastPacket = link.lastSent
        link.device.advance(to: lastPacket + 0.249)
        #expect(model.state.setIntensity == DeviceModel.quantize(0.8, Fixtures.gridChair.intensity))
        link.device.advance(to: lastPacket + 0.25 + 0.125)  // halfway down the 250 ms ramp
        #expect(abs(model.state.setIntensity - 0.4) <= 0.01)
        link.device.advance(to: lastPacket + 0.25 + 0.25 + 0.001)
        #expect(model.state.setIntensity == 0 && model.state.setPressure == 0)
        #expect(link.device.takeEvents().map(\.text).contains(
            "watchdog: the host was silent for 250 ms; ramping to zero over 250 ms"))
        guard case let .kwp(counters) = link.device.protocolReport else { Issue.record("not KWP"); return }
        #expect(counters.watchdogTrips == 1 && counters.state == "halted")
    }
}
