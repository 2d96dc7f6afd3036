import Foundation
import KneadCore
import KneadEngine
import Synchronization

/// Runs the engine off the main thread (which draws the live view and reads keys) and
/// hands its result back. The engine itself plays on its own real-time thread; this
/// one only waits for it.
final class EngineThread: Sendable {
    private let result = Mutex<RunResult?>(nil)

    /// Starts playing. `makeFrames` builds the frame source on the new thread, so the
    /// iterator never crosses threads.
    init<Frames: IteratorProtocol>(engine: Engine, makeFrames: @escaping @Sendable () -> Frames)
    where Frames.Element == SafeFrame {
        let thread = Thread { [self] in
            let outcome = engine.run(makeFrames())
            result.withLock { $0 = outcome }
        }
        thread.name = "knead-player"
        thread.start()
    }

    /// The run's result once it has ended; nil while it plays.
    var finished: RunResult? { result.withLock { $0 } }
}
