import Foundation
import KneadCore
import KneadEngine

/// A backend that stalls the engine's thread (as a host hiccup would) before some sends.
final class StallingBackend: SessionTimedBackend, @unchecked Sendable {
    let base: any Backend
    let plan: StallPlan

    init(_ base: any Backend, plan: StallPlan) {
        self.base = base
        self.plan = plan
    }

    var capabilities: BackendCapabilities { base.capabilities }
    var telemetry: AsyncStream<Telemetry> { base.telemetry }
    func open() throws(BackendError) -> DeviceIdentity { try base.open() }
    func send(_ frame: SafeFrame) throws(BackendError) {
        if plan.draw(at: frame.time) { Thread.sleep(forTimeInterval: plan.duration) }
        try base.send(frame)
    }
    func flush() throws(BackendError) { try base.flush() }
    func stop() throws(BackendError) { try base.stop() }
    func heartbeat() throws(BackendError) { try base.heartbeat() }
    func close() { base.close() }
    func sessionWillStart(at sessionStart: UInt64, on clock: any EngineClock) {
        (base as? SessionTimedBackend)?.sessionWillStart(at: sessionStart, on: clock)
    }
}
