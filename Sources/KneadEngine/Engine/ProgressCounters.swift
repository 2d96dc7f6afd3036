import Synchronization

/// The loop's position, published with relaxed atomic stores so the live view can
/// read it from another thread without ever making the loop wait.
final class ProgressCounters: Sendable {
    private let running = Atomic<Bool>(false)
    private let framesSent = Atomic<Int>(0)
    /// Bit pattern of the last frame's time; all ones = none yet (a NaN never stored).
    private let lastFrameTimeBits = Atomic<UInt64>(UInt64.max)
    private let sessionStart = Atomic<UInt64>(0)

    func begin(sessionStart start: UInt64) {
        framesSent.store(0, ordering: .relaxed)
        lastFrameTimeBits.store(UInt64.max, ordering: .relaxed)
        sessionStart.store(start, ordering: .relaxed)
        running.store(true, ordering: .releasing)
    }

    @inline(__always)
    func frameSent(time: Double) {
        framesSent.add(1, ordering: .relaxed)
        lastFrameTimeBits.store(time.bitPattern, ordering: .relaxed)
    }

    func end() {
        running.store(false, ordering: .releasing)
    }

    func snapshot(now: UInt64) -> EngineProgress {
        let isRunning = running.load(ordering: .acquiring)
        let bits = lastFrameTimeBits.load(ordering: .relaxed)
        let start = sessionStart.load(ordering: .relaxed)
        let sessionTime: Double? = start == 0 ? nil
            : now >= start ? Nanoseconds.seconds(now - start) : -Nanoseconds.seconds(start - now)
        return EngineProgress(isRunning: isRunning,
                              framesSent: framesSent.load(ordering: .relaxed),
                              lastFrameTime: bits == UInt64.max ? nil : Double(bitPattern: bits),
                              sessionTime: sessionTime)
    }
}
