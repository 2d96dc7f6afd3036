import Foundation
import KneadCore

/// What the stop benchmark needs around it: frames that keep the line busy, a value
/// handed back from another thread.
extension StopBenchmark {
    /// Every channel changes at every frame, so each TCode line carries every axis and
    /// each wire-protocol setpoint every channel: the line is as busy as the rate makes it.
    struct ChangingFrames: Sequence, IteratorProtocol {
        let rate: Double
        let count: Int
        private var index = 0

        init(rate: Double, count: Int) {
            self.rate = rate
            self.count = count
        }

        mutating func next() -> Frame? {
            guard index < count else { return nil }
            let t = Double(index) / rate
            index += 1
            let turn = 2 * Double.pi
            let x = 0.5 + 0.15 * sin(turn * 0.25 * t), y = 0.5 + 0.15 * cos(turn * 0.25 * t)
            return Frame(time: t, intensity: 0.5 + 0.2 * sin(turn * 0.7 * t), x: x, y: y,
                         pressure: 0.3 + 0.1 * sin(turn * 0.5 * t), heat: 0, technique: .vibration,
                         target: .point(BackPoint(x: x, y: y)), step: 0)
        }
    }

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
