import KneadSystem
import Foundation
import KneadCore
import KneadEngine
import KneadPlayer

/// A device that records every call the engine and the player make, in order, with
/// the clock's time; it can be told to fail at a session time.
final class RecordingBackend: Backend {
    enum Call: Equatable {
        case open
        case send(time: Double, intensity: Double, pressure: Double)
        case stop
        case close
    }

    let capabilities: BackendCapabilities
    private let calls = Locked<[Call]>([])
    private let failure: (time: Double, error: BackendError)?

    init(failAt time: Double? = nil, error: BackendError = .disconnected("the test unplugged it")) {
        capabilities = BackendCapabilities(channels: [.intensity, .pressure, .position, .heat], intensitySteps: 1000,
                                           maxRate: 1000, mode: .immediate)
        failure = time.map { ($0, error) }
    }

    var recorded: [Call] { calls.withLock { $0 } }

    /// The frames sent, as (time, intensity, pressure).
    var frames: [(time: Double, intensity: Double, pressure: Double)] {
        recorded.compactMap {
            if case let .send(time, intensity, pressure) = $0 { return (time, intensity, pressure) }
            return nil
        }
    }

    func open() throws(BackendError) -> DeviceIdentity {
        calls.withLock { $0.append(.open) }
        return DeviceIdentity(model: "recorder", firmware: "1", protocolName: "test")
    }

    func send(_ frame: SafeFrame) throws(BackendError) {
        if let failure, frame.time >= failure.time { throw failure.error }
        calls.withLock { $0.append(.send(time: frame.time, intensity: frame.intensity, pressure: frame.pressure)) }
    }

    func stop() throws(BackendError) { calls.withLock { $0.append(.stop) } }

    func heartbeat() throws(BackendError) {}

    let telemetry = AsyncStream<Telemetry> { $0.finish() }

    func close() { calls.withLock { $0.append(.close) } }
}

/// A pattern file in a fresh temporary folder, and the session prepared from it.
enum TestPattern {
    static let text = """
        pattern: Player test
        steps:
          - warm-up: {duration: 30s, intensity: 40%}   # per side: a minute up both lines
          - petrissage: {zone: rhomboids, duration: 2min, circle: 1.5s, intensity: 60%}
        """

    static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("knead-player-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func session(device: DeviceProfile = .chair, sessionCap: Double? = nil, personCap: Level? = nil) throws
        -> PreparedSession {
        let file = try folder().appendingPathComponent("test.yaml")
        try text.write(to: file, atomically: true, encoding: .utf8)
        let loaded = PreparedSession.load(path: file.path, device: device, body: .default, personCap: personCap,
                                          sessionCap: sessionCap)
        return try loaded.session.get()
    }
}

/// A device whose identification never answers until it is stopped or closed, as a
/// TCode device that stays silent would until its driver's timeout.
final class SilentBackend: Backend {
    let capabilities = BackendCapabilities(channels: [.intensity], intensitySteps: 100, maxRate: 1000, mode: .immediate)
    private let released = DispatchSemaphore(value: 0)
    let opening = DispatchSemaphore(value: 0)
    private let log = Locked<[String]>([])
    var calls: [String] { log.withLock { $0 } }

    func open() throws(BackendError) -> DeviceIdentity {
        log.withLock { $0.append("open") }
        opening.signal()
        _ = released.wait(timeout: .now() + 30)
        throw .timedOut("no answer to the identify request")
    }
    func send(_ frame: SafeFrame) throws(BackendError) { log.withLock { $0.append("send") } }
    func stop() throws(BackendError) {
        log.withLock { $0.append("stop") }
        released.signal()
    }
    func heartbeat() throws(BackendError) {}
    let telemetry = AsyncStream<Telemetry> { $0.finish() }
    func close() {
        log.withLock { $0.append("close") }
        released.signal()
    }
}

/// A device whose send blocks (as on a line that stopped draining) from a given frame
/// until it is stopped; its stop may overlap a send, as the serial drivers' may.
final class StuckBackend: Backend {
    let capabilities = BackendCapabilities(channels: [.intensity], intensitySteps: 100, maxRate: 1000, mode: .immediate)
    let stopsDuringDeviceCalls = true
    let stuck = DispatchSemaphore(value: 0)
    private let released = DispatchSemaphore(value: 0)
    private let sends = Locked(0)
    private let stops = Locked<[Bool]>([])
    private let sendsInFlight = Locked(0)
    let blockAt: Int

    init(blockAt: Int) { self.blockAt = blockAt }

    /// For each stop: whether a send was blocked when it came.
    var stopsDuringASend: [Bool] { stops.withLock { $0 } }

    func open() throws(BackendError) -> DeviceIdentity {
        DeviceIdentity(model: "stuck", firmware: "1", protocolName: "test")
    }
    func send(_ frame: SafeFrame) throws(BackendError) {
        let index = sends.withLock { count -> Int in count += 1; return count }
        guard index == blockAt else { return }
        sendsInFlight.withLock { $0 += 1 }
        stuck.signal()
        _ = released.wait(timeout: .now() + 30)
        sendsInFlight.withLock { $0 -= 1 }
    }
    func stop() throws(BackendError) {
        let during = sendsInFlight.withLock { $0 > 0 }
        stops.withLock { $0.append(during) }
        released.signal()
    }
    func heartbeat() throws(BackendError) {}
    let telemetry = AsyncStream<Telemetry> { $0.finish() }
    func close() { released.signal() }
}
