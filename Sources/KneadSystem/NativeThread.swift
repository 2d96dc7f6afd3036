import CKneadSystem
import Glibc

/// A thread of the system's own (pthread), outside Swift's cooperative pool: the
/// engine's real-time loop must not share a pool thread with tasks that may block.
public struct NativeThread: @unchecked Sendable {
    // A pthread_t is an opaque id the system owns; sending it between threads is how
    // it is meant to be used (join, detach from another thread).
    private let handle: pthread_t

    private final class Work: @unchecked Sendable {
        // Touched by the starting thread before pthread_create and by the new thread
        // after it: pthread_create orders the two.
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }

    /// Starts `body` on a new joinable thread; nil if no thread could be made.
    public static func start(_ body: @escaping () -> Void) -> NativeThread? {
        let work = Unmanaged.passRetained(Work(body))
        var thread = pthread_t()
        let result = pthread_create(&thread, nil, { context in
            let work = Unmanaged<Work>.fromOpaque(context!).takeRetainedValue()
            work.body()
            return nil
        }, work.toOpaque())
        guard result == 0 else {
            work.release()
            return nil
        }
        return NativeThread(handle: thread)
    }

    public func join() {
        pthread_join(handle, nil)
    }

    /// Lets the thread end without being joined.
    public func detach() {
        pthread_detach(handle)
    }
}
