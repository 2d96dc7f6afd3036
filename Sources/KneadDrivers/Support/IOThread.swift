#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A plain POSIX thread for a port's reader: it must never borrow a thread of Swift's
/// cooperative pool (it blocks in poll) and must be joinable, so that `close` knows
/// it is gone before the port's file descriptor is closed.
final class IOThread: @unchecked Sendable {
    private var thread = pthread_t()
    private var started = false

    private final class Body {
        let run: () -> Void
        init(_ run: @escaping () -> Void) { self.run = run }
    }

    /// Starts `body` on a new thread; false if the system has no thread to give.
    func start(_ body: @escaping @Sendable () -> Void) -> Bool {
        precondition(!started, "an IOThread starts once")
        let context = Unmanaged.passRetained(Body(body)).toOpaque()
        let result = pthread_create(&thread, nil, { context in
            let body = Unmanaged<Body>.fromOpaque(context!).takeRetainedValue()
            body.run()
            return nil
        }, context)
        if result != 0 {
            Unmanaged<Body>.fromOpaque(context).release()
            return false
        }
        started = true
        return true
    }

    /// Waits for the thread to end. Call once, not from the thread itself.
    func join() {
        guard started else { return }
        started = false
        pthread_join(thread, nil)
    }
}

/// A pipe whose read end a `poll` can watch, so another thread can wake it at once.
final class WakePipe: @unchecked Sendable {
    let readEnd: Int32
    let writeEnd: Int32

    init?() {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { return nil }
        for end in ends {
            _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
            _ = fcntl(end, F_SETFD, FD_CLOEXEC)
        }
        readEnd = ends[0]
        writeEnd = ends[1]
    }

    func wake() {
        var byte: UInt8 = 1
        _ = Glibc.write(writeEnd, &byte, 1)
    }

    func drain() {
        var buffer = [UInt8](repeating: 0, count: 64)
        while Glibc.read(readEnd, &buffer, buffer.count) > 0 {}
    }

    deinit {
        Glibc.close(readEnd)
        Glibc.close(writeEnd)
    }
}

/// CLOCK_MONOTONIC in nanoseconds: the engine's production clock reads the same.
@inline(__always)
func monotonicNanoseconds() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return UInt64(now.tv_sec) &* 1_000_000_000 &+ UInt64(now.tv_nsec)
}

/// The text of an errno value, e.g. "No such file or directory".
func errnoText(_ code: Int32) -> String {
    String(cString: strerror(code))
}

/// The symbolic name of the errno values knead explains, e.g. "ENODEV".
func errnoName(_ code: Int32) -> String {
    switch code {
    case ENOENT: return "ENOENT"
    case EACCES: return "EACCES"
    case EPERM: return "EPERM"
    case EBUSY: return "EBUSY"
    case ENODEV: return "ENODEV"
    case ENXIO: return "ENXIO"
    case EIO: return "EIO"
    case EPIPE: return "EPIPE"
    case ENOTTY: return "ENOTTY"
    case EAGAIN: return "EAGAIN"
    case EINVAL: return "EINVAL"
    case EISDIR: return "EISDIR"
    default: return "errno \(code)"
    }
}

/// The text of a NUL-terminated C buffer.
func cString(_ buffer: [CChar]) -> String {
    let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
    return String(decoding: bytes, as: UTF8.self)
}
