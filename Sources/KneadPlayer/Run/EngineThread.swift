import Foundation
import KneadCore
import KneadEngine
import KneadSystem

/// Runs the engine off the caller's thread (which draws the live view and reads keys)
/// and hands its result back. On a real clock the engine plays on its own real-time
/// thread and this one only waits for it; on a virtual clock the play runs here.
final class EngineThread: Sendable {
    private let result = Locked<RunResult?>(nil)
    /// Readable once the run has ended, so a caller waiting for keys or the next redraw
    /// wakes at once (a device error ends play within a millisecond, not a redraw).
    var endedFD: Int32 { ended?.readEnd ?? -1 }
    private let ended: WakePipe?

    /// Starts playing. `makeFrames` builds the frame source on the new thread, so the
    /// iterator never crosses threads.
    init<Frames: IteratorProtocol & SendableMetatype>(engine: Engine, makeFrames: @escaping @Sendable () -> Frames)
    where Frames.Element == SafeFrame {
        ended = WakePipe()
        let thread = Thread { [self] in
            let outcome = engine.run(makeFrames())
            result.withLock { $0 = outcome }
            ended?.wake()
        }
        thread.name = "knead-player"
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// The run's result once it has ended; nil while it plays.
    var finished: RunResult? { result.withLock { $0 } }

    /// Blocks until the run has ended.
    func waitForResult() -> RunResult {
        while true {
            if let finished { return finished }
            _ = Poll.wait([Poll.Request(endedFD, .readable)], timeoutMilliseconds: endedFD >= 0 ? 1000 : 1)
        }
    }
}
