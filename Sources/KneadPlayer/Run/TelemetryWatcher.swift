import KneadSystem
import KneadEngine

/// Keeps the latest telemetry sample a device reported, for the live view. The
/// stream is drained on the cooperative pool; the view reads the latest on its own
/// thread.
final class TelemetryWatcher: Sendable {
    private let latestSample: LatestSample
    private let task: Task<Void, Never>

    init(_ stream: AsyncStream<Telemetry>) {
        let latestSample = LatestSample()
        self.latestSample = latestSample
        task = Task.detached {
            for await sample in stream { latestSample.store(sample) }
        }
    }

    var latest: Telemetry? { latestSample.load() }

    func cancel() { task.cancel() }

    private final class LatestSample: Sendable {
        private let value = Locked<Telemetry?>(nil)
        func store(_ sample: Telemetry) { value.withLock { $0 = sample } }
        func load() -> Telemetry? { value.withLock { $0 } }
    }
}
