import Foundation
import KneadCore

/// What the stop benchmark needs around it: a value handed back from another thread
/// (its frames are `ChangingFrames`, shared with the link benchmark).
extension StopBenchmark {
    /// A value another thread delivers once.
    final class Finished<Value>: @unchecked Sendable {
        private let lock = NSLock()
        private let done = DispatchSemaphore(value: 0)
        private var value: Value?

        func set(_ value: Value) {
            lock.withLock { self.value = value }
            done.signal()
        }

        var isSet: Bool { lock.withLock { value != nil } }

        func wait() -> Value {
            done.wait()
            done.signal()
            return lock.withLock { value! }
        }
    }
}
