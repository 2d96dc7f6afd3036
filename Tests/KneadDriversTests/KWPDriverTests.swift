import Foundation
import KneadCore
import KneadEngine
import KneadWire
import Synchronization
import Testing
@testable import KneadDrivers

/// The device side of the knead wire protocol (KneadWire's `KWPDevice`, what firmware
/// runs) on the master side of a pty, its clock in microseconds since it was made.
final class KWPTestDevice: @unchecked Sendable {
    private let lock = NSLock()
    private let device: KWPDevice
    private let start = ContinuousClock.now
    private(set) var terminal: PseudoTerminalDevice!

    init(answering: Bool = true, channels: [KWPChannel] = KWPChannel.allCases) throws {
        let configuration = KWPDeviceConfiguration(
            channels: channels.map { KWPChannelInfo(channel: $0, steps: 256) }, model: "test chair", firmware: "1.2.3")
        device = KWPDevice(configuration: configuration)
        terminal = try PseudoTerminalDevice(
            respond: { [unowned self] bytes in answering ? self.exchange(bytes) : [] },
            tick: { [unowned self] in answering ? self.exchange([]) : [] })
    }

    var path: String { terminal.slavePath }

    private var ticks: UInt64 {
        let elapsed = ContinuousClock.now - start
        return UInt64(elapsed.components.seconds) * 1_000_000 + UInt64(elapsed.components.attoseconds / 1_000_000_000_000)
    }

    private func exchange(_ bytes: [UInt8]) -> [UInt8] {
        lock.withLock {
            let now = ticks
            device.receive(bytes, now: now)
            device.advance(to: now)
            return device.takeOutput()
        }
    }

    func inspect<T>(_ body: (KWPDevice) -> T) -> T { lock.withLock { body(device) } }

    /// Bytes the test read from the line itself, given to the device; its answers are dropped.
    func feed(_ bytes: [UInt8]) { _ = exchange(bytes) }

    func waitUntil(timeout: Double = 5, _ condition: (KWPDevice) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if inspect(condition) { return true }
            usleep(1000)
        }
        return inspect(condition)
    }

    func finish() { terminal.closeMaster() }
}

func kwpProfile() -> DeviceProfile {
    var profile = DeviceProfile.chair
    profile.name = "test-kwp"
    profile.connection = DeviceProfile.Connection(protocol: .kwp)
    return profile
}

@Suite("Knead wire protocol driver over a pseudo-terminal")
struct KWPDriverTests {
    @Test func identifiesAndSynchronises() throws {
        let device = try KWPTestDevice()
        defer { device.finish() }
        let driver = try KWPDriver(profile: kwpProfile(), path: device.path)
        let identity = try driver.open()
        defer { driver.close() }
        #expect(identity == DeviceIdentity(model: "test chair", firmware: "1.2.3", protocolName: "knead wire protocol v1"))
        #expect(driver.capabilities.mode == .lead(0.15))
        #expect(driver.statistics.clockSamples >= 6)
        #expect(device.inspect { $0.state } == .ready)
    }

    /// The chair's profile says it taps by itself: a device without the percussion channels
    /// would lose every tap, so it is refused, after a STOP, naming what to do.
    @Test func aDeviceWithoutThePercussionChannelsTheProfileNeedsIsRefused() throws {
        let device = try KWPTestDevice(channels: [.intensity, .x, .y, .pressure, .heat])
        defer { device.finish() }
        let driver = try KWPDriver(profile: kwpProfile(), path: device.path)
        #expect(throws: BackendError.refused("\(device.path): the test-kwp profile says the device taps by itself "
                                             + "(percussion), but test chair announces no percussion-rate and "
                                             + "percussion-depth channels (docs/protocol.md 2.5): update its firmware, "
                                             + "or use a profile without 'percussion' so taps are sent as intensity")) {
            try driver.open()
        }
        #expect(device.waitUntil { $0.statistics.stops >= 1 }, "left with a STOP")
        // The same device with a profile that samples taps as intensity plays.
        var sampled = kwpProfile()
        sampled.percussion = nil
        let plain = try KWPDriver(profile: sampled, path: device.path)
        _ = try plain.open()
        plain.close()
    }

    /// Setpoints handed over ahead of time reach the device stamped in its clock and are
    /// all executed, none late; the last one is what the device holds.
    @Test func framesArePlayedFromTheDevicesBuffer() throws {
        let device = try KWPTestDevice()
        defer { device.finish() }
        let driver = try KWPDriver(profile: kwpProfile(), path: device.path)
        _ = try driver.open()
        defer { driver.close() }
        let clock = MonotonicClock()
        driver.sessionWillStart(at: clock.now() + 50_000_000, on: clock)
        for k in 0..<40 {
            try driver.send(ChannelValues(intensity: Double(k) / 40, x: 0.5, y: 0.25, pressure: 0.1), at: 0.2 + Double(k) * 0.01)
        }
        let deadline = Date().addingTimeInterval(3)
        while Date() < deadline, device.inspect({ $0.statistics.executed }) < 40 {
            try driver.flush()
            usleep(2_000)
        }
        #expect(device.inspect { $0.statistics.executed } == 40)
        #expect(device.inspect { $0.statistics.late } == 0)
        #expect(device.inspect { $0.target } == KWPChannelValues(ChannelValues(intensity: 39.0 / 40, x: 0.5, y: 0.25,
                                                                              pressure: 0.1)))
        #expect(driver.statistics.setpointsAcknowledged == 40)
    }

    /// STOP skips the queue: setpoints due later are dropped on the device, its outputs go
    /// to zero at once, and `close` waits for STOPPED.
    @Test func stopEmptiesTheDevicesQueueAtOnce() throws {
        let device = try KWPTestDevice()
        defer { device.finish() }
        let driver = try KWPDriver(profile: kwpProfile(), path: device.path)
        _ = try driver.open()
        let clock = MonotonicClock()
        driver.sessionWillStart(at: clock.now(), on: clock)
        for k in 0..<30 { try driver.send(ChannelValues(intensity: 0.8), at: 0.05 + Double(k) * 0.01) }
        while device.inspect({ $0.statistics.accepted }) == 0 {
            try driver.flush()
            usleep(1_000)
        }
        let acceptedAtStop = device.inspect { $0.statistics.accepted }
        try driver.stop()
        // A setpoint a send in flight queues after the stop (the engine may stop during
        // a send) goes nowhere: nothing more is accepted in this run.
        try driver.send(ChannelValues(intensity: 0.9), at: 0.5)
        try driver.flush()
        #expect(device.waitUntil { $0.statistics.stops == 1 })
        #expect(device.inspect { $0.target.intensity } == 0)
        #expect(device.inspect { $0.queuedCount } == 0)
        driver.close()
        #expect(device.inspect { $0.statistics.accepted } == acceptedAtStop)
        #expect(device.inspect { $0.state } == .ready)
    }

    /// A device that never answers HELLO gives a clear error after the identify
    /// timeout, never a hang.
    @Test func aSilentDeviceTimesOutWithAClearError() throws {
        let device = try KWPTestDevice(answering: false)
        defer { device.finish() }
        var options = KWPDriver.Options()
        options.host.identifyTimeout = 0.3
        let driver = try KWPDriver(profile: kwpProfile(), path: device.path, options: options)
        let started = ContinuousClock.now
        #expect(throws: BackendError.timedOut("\(device.path): the device did not answer identify (HELLO) within 0.3 s: "
                                              + "check the port and baud rate, and that its firmware speaks the knead "
                                              + "wire protocol (docs/protocol.md) (a TCode device? use --device osr2 or "
                                              + "tcode-vibrator)")) {
            _ = try driver.open()
        }
        #expect(ContinuousClock.now - started < .seconds(2))
        #expect(device.terminal.text.hasPrefix("\u{0}"))  // the host greeted: 0x00 then HELLO frames
        // The port is free again.
        try SerialPort.open(device.path).close()
    }

    @Test func telemetryReachesTheStream() async throws {
        let device = try KWPTestDevice()
        defer { device.finish() }
        let driver = try KWPDriver(profile: kwpProfile(), path: device.path)
        _ = try driver.open()
        let clock = MonotonicClock()
        driver.sessionWillStart(at: clock.now(), on: clock)
        var iterator = driver.telemetry.makeAsyncIterator()
        let sample = await iterator.next()
        driver.close()
        let telemetry = try #require(sample)
        #expect(telemetry.intensity == 0)
        #expect(telemetry.events.isEmpty)
    }

    @Test func aVanishedDeviceIsADisconnect() throws {
        let device = try KWPTestDevice()
        let driver = try KWPDriver(profile: kwpProfile(), path: device.path)
        _ = try driver.open()
        defer { driver.close() }
        device.finish()
        let started = ContinuousClock.now
        var failure: BackendError?
        while failure == nil, ContinuousClock.now - started < .seconds(1) {
            do { try driver.flush() } catch { failure = error }
            usleep(1_000)
        }
        guard case let .disconnected(message) = try #require(failure) else {
            Issue.record("expected a disconnect, got \(String(describing: failure))")
            return
        }
        #expect(message.hasPrefix(device.path))
        // How fast is a figure for the benchmark (knead bench link, docs/performance.md);
        // here only: noticed, not hung.
        #expect(ContinuousClock.now - started < .seconds(2))
    }

    @Test func leadComesFromTheProfileAndIsNeverUnder100ms() throws {
        var profile = kwpProfile()
        profile.connection?.lead = 0.25
        #expect(try KWPDriver(profile: profile, path: "/dev/null").lead == 0.25)
        var options = KWPDriver.Options()
        options.lead = 0.05
        #expect(try KWPDriver(profile: profile, path: "/dev/null", options: options).lead == 0.1)
        #expect(try KWPDriver(profile: kwpProfile(), path: "/dev/null").lead == 0.15)
    }
}
