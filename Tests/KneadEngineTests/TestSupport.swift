import KneadSystem
import Glibc
@testable import KneadCore
@testable import KneadEngine

/// Everything the engine did to a backend, in order, with the clock's time.
enum BackendEvent: Equatable, CustomStringConvertible {
    case send(at: UInt64, frameTime: Double)
    case flush(at: UInt64)
    case heartbeat(at: UInt64)
    case stop(at: UInt64)
    case close

    var description: String {
        switch self {
        case let .send(at, time): return "send(\(at), t=\(time))"
        case let .flush(at): return "flush(\(at))"
        case let .heartbeat(at): return "heartbeat(\(at))"
        case let .stop(at): return "stop(\(at))"
        case .close: return "close"
        }
    }

    /// Like the synthesized ==, except that a NaN frame time equals a NaN frame time.
    static func == (a: BackendEvent, b: BackendEvent) -> Bool {
        switch (a, b) {
        case let (.send(at1, time1), .send(at2, time2)):
            return at1 == at2 && (time1 == time2 || (time1.isNaN && time2.isNaN))
        case let (.flush(at1), .flush(at2)), let (.heartbeat(at1), .heartbeat(at2)), let (.stop(at1), .stop(at2)):
            return at1 == at2
        case (.close, .close):
            return true
        default:
            return false
        }
    }

    var isSend: Bool { if case .send = self { return true } else { return false } }
    var isStop: Bool { if case .stop = self { return true } else { return false } }
    var isFlush: Bool { if case .flush = self { return true } else { return false } }
    var isHeartbeat: Bool { if case .heartbeat = self { return true } else { return false } }
}

/// A backend that records every call with the engine clock's time, and can be told
/// to fail or to run code inside a call.
final class RecordingBackend: SessionTimedBackend, @unchecked Sendable {
    let capabilities: BackendCapabilities
    let clock: any EngineClock
    private let log = Locked<[BackendEvent]>([])
    private let sessionStartSeen = Locked<UInt64?>(nil)
    private let stopThreads = Locked<[pthread_t]>([])

    /// Thrown by the send of this frame index (0-based).
    var failSend: (index: Int, error: BackendError)?
    var failFlush: BackendError?
    var failHeartbeat: BackendError?
    var failStop: BackendError?
    /// Runs inside the send of this frame index, before it returns.
    var duringSend: (index: Int, action: () -> Void)?
    private var sendCount = 0

    /// `Backend.stopsDuringDeviceCalls`: the engine may stop it during a send.
    let stopsDuringDeviceCalls: Bool
    private let runStarts = Locked(0)
    var runsStarted: Int { runStarts.withLock { $0 } }

    init(clock: any EngineClock, mode: BackendCapabilities.Mode = .immediate, stopsDuringDeviceCalls: Bool = false) {
        self.clock = clock
        self.stopsDuringDeviceCalls = stopsDuringDeviceCalls
        capabilities = BackendCapabilities(channels: [.intensity, .position], intensitySteps: 256,
                                           maxRate: 1000, mode: mode)
    }

    var events: [BackendEvent] { log.withLock { $0 } }
    var sessionStart: UInt64? { sessionStartSeen.withLock { $0 } }
    var threadsThatStopped: [pthread_t] { stopThreads.withLock { $0 } }

    func runWillStart() {
        runStarts.withLock { $0 += 1 }
    }

    func sessionWillStart(at sessionStart: UInt64, on clock: any EngineClock) {
        sessionStartSeen.withLock { $0 = sessionStart }
    }

    func open() throws(BackendError) -> DeviceIdentity {
        DeviceIdentity(model: "recorder", firmware: "1", protocolName: "test")
    }

    func send(_ frame: SafeFrame) throws(BackendError) {
        let index = sendCount
        sendCount += 1
        if let failure = failSend, failure.index == index { throw failure.error }
        log.withLock { $0.append(.send(at: clock.now(), frameTime: frame.frame.time)) }
        if let hook = duringSend, hook.index == index { hook.action() }
    }

    func flush() throws(BackendError) {
        if let failFlush { throw failFlush }
        log.withLock { $0.append(.flush(at: clock.now())) }
    }

    func stop() throws(BackendError) {
        log.withLock { $0.append(.stop(at: clock.now())) }
        stopThreads.withLock { $0.append(pthread_self()) }
        if let failStop { throw failStop }
    }

    func heartbeat() throws(BackendError) {
        if let failHeartbeat { throw failHeartbeat }
        log.withLock { $0.append(.heartbeat(at: clock.now())) }
    }

    var telemetry: AsyncStream<Telemetry> { AsyncStream { $0.finish() } }

    func close() {
        log.withLock { $0.append(.close) }
    }
}

/// Frames at a fixed rate, through the safety envelope (the only maker of SafeFrames).
struct SyntheticFrames: IteratorProtocol {
    let rate: Double
    let count: Int
    private var index = 0
    private let envelope = SafetyEnvelope(limits: .resolve(device: .chair))

    init(rate: Double, seconds: Double) {
        self.rate = rate
        count = Int((seconds * rate).rounded(.down)) + 1
    }

    mutating func next() -> SafeFrame? {
        guard index < count else { return nil }
        defer { index += 1 }
        return envelope.admit(Self.frame(at: Double(index) / rate))
    }

    static func frame(at time: Double) -> Frame {
        var frame = Frame.zero(at: time)
        frame.intensity = 0.3
        return frame
    }
}

/// Frames at the given times, through the safety envelope.
struct FramesAt: IteratorProtocol {
    private var times: IndexingIterator<[Double]>
    private let envelope = SafetyEnvelope(limits: .resolve(device: .chair))
    init(_ times: [Double]) { self.times = times.makeIterator() }
    mutating func next() -> SafeFrame? {
        times.next().map { envelope.admit(SyntheticFrames.frame(at: $0)) }
    }
}

/// Frames made without the envelope, to see what the engine does with times the
/// envelope would never let through.
struct UncheckedFrames: IteratorProtocol {
    private var times: IndexingIterator<[Double]>
    init(_ times: [Double]) { self.times = times.makeIterator() }
    mutating func next() -> SafeFrame? {
        times.next().map { SafeFrame(SyntheticFrames.frame(at: $0)) }
    }
}

/// Where the clocks of the tests start: not 0, so that "0" never passes by accident.
let testEpoch: UInt64 = 7_000_000_000

func nanoseconds(_ seconds: Double) -> UInt64 {
    UInt64((seconds * 1e9).rounded())
}

/// Runs `body` on a new thread and returns a function that waits for it.
func onAnotherThread(_ body: @escaping @Sendable () -> Void) -> () -> Void {
    final class Box: @unchecked Sendable { let body: @Sendable () -> Void; init(_ b: @escaping @Sendable () -> Void) { body = b } }
    var thread = pthread_t()
    let box = Unmanaged.passRetained(Box(body))
    pthread_create(&thread, nil, { context in
        Unmanaged<Box>.fromOpaque(context!).takeRetainedValue().body()
        return nil
    }, box.toOpaque())
    return { pthread_join(thread, nil) }
}
