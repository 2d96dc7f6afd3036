import Foundation
import KneadCore
import KneadSimulator

/// A `PtyServer` paced at the bench's baud rate, serving on its own thread.
final class ServedRun: @unchecked Sendable {
    let server: PtyServer
    private let done = DispatchSemaphore(value: 0)
    private var report: ServeReport?
    private var started = false

    init(protocol served: DeviceProtocol, baud: Int, realtimePriority: Int32?,
         faults: ServeFaults = .none) throws(LinkBenchmarkError) {
        let configuration = PtyServer.Configuration(
            protocol: served, profile: .chair, baud: baud, paced: true, faults: faults,
            traceInterval: nil, realtimePriority: realtimePriority)
        do {
            server = try PtyServer(configuration: configuration)
        } catch {
            throw LinkBenchmarkError("\(error)")
        }
    }

    /// Starts serving (done by `finish` at the latest; call it first to set hooks).
    func start() {
        guard !started else { return }
        started = true
        let thread = Thread { [self] in
            report = server.run()
            done.signal()
        }
        thread.start()
        // The server opens its side before the driver opens the other.
        Thread.sleep(forTimeInterval: 0.005)
    }

    func finish() -> ServeReport {
        start()
        Thread.sleep(forTimeInterval: 0.05)  // what is still crossing the line arrives
        server.requestStop()
        done.wait()
        return report!
    }

    func stopIfRunning() {
        guard started, report == nil else { return }
        server.requestStop()
        done.wait()
    }
}
