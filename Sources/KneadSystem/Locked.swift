import Glibc
import Synchronization

/// A value behind a lock, used as `Synchronization.Mutex` is (`withLock`): a Mutex, or,
/// in a ThreadSanitizer build (`scripts/sanitize thread` compiles with `-D KNEAD_TSAN`),
/// a pthread mutex.
///
/// Why: ThreadSanitizer cannot see Mutex's lock and unlock (atomics and futex calls inside
/// the uninstrumented Swift runtime), so it reports every access Mutex guards as a race
/// and proves nothing (docs/reliability.md, "Sanitizers"). It intercepts pthread mutexes.
/// Production keeps Mutex: the same exclusion, and with pthread mutexes (with or without
/// priority inheritance) the TCode end-to-end tests' timing degraded under load on the
/// 2-core build machine (3 failures in 3 loaded runs against none).
public final class Locked<Value: ~Copyable>: @unchecked Sendable {
    #if KNEAD_TSAN
    // On the heap: a pthread mutex must not move once initialised.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    #else
    private let mutex = Mutex<Void>(())
    #endif
    private let value: UnsafeMutablePointer<Value>

    public init(_ initialValue: consuming sending Value) {
        #if KNEAD_TSAN
        mutex = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        #endif
        value = .allocate(capacity: 1)
        value.initialize(to: initialValue)
    }

    deinit {
        value.deinitialize(count: 1)
        value.deallocate()
        #if KNEAD_TSAN
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        #endif
    }

    /// Runs `body` with the value, holding the lock; never call it again from `body`.
    public func withLock<Result: ~Copyable, Failure: Error>(
        _ body: (inout sending Value) throws(Failure) -> sending Result
    ) throws(Failure) -> sending Result {
        #if KNEAD_TSAN
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value.pointee)
        #else
        return try mutex.withLock { _ throws(Failure) -> sending Result in try body(&value.pointee) }
        #endif
    }
}
