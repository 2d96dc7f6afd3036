import Glibc

/// A value behind a lock, used as `Synchronization.Mutex` is (`withLock`), on a pthread
/// mutex with priority inheritance.
///
/// Why not Mutex: ThreadSanitizer cannot see Mutex's lock and unlock (atomics and futex
/// calls inside the uninstrumented Swift runtime), so every access it guards is reported
/// as a race and the sanitizer proves nothing (docs/reliability.md, "Sanitizers"). TSan
/// intercepts pthread mutexes. Priority inheritance, as Mutex's PI futex on Linux: the
/// engine's real-time thread must not wait behind a normal thread preempted while it
/// holds the lock.
public final class Locked<Value: ~Copyable>: @unchecked Sendable {
    // On the heap: a pthread mutex must not move once initialised.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let value: UnsafeMutablePointer<Value>

    public init(_ initialValue: consuming sending Value) {
        mutex = .allocate(capacity: 1)
        var attributes = pthread_mutexattr_t()
        pthread_mutexattr_init(&attributes)
        pthread_mutexattr_setprotocol(&attributes, Int32(PTHREAD_PRIO_INHERIT))
        pthread_mutex_init(mutex, &attributes)
        pthread_mutexattr_destroy(&attributes)
        value = .allocate(capacity: 1)
        value.initialize(to: initialValue)
    }

    deinit {
        value.deinitialize(count: 1)
        value.deallocate()
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Runs `body` with the value, holding the lock; never call it again from `body`.
    public func withLock<Result: ~Copyable, Failure: Error>(
        _ body: (inout sending Value) throws(Failure) -> sending Result
    ) throws(Failure) -> sending Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value.pointee)
    }
}
