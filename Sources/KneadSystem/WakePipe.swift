import Glibc

/// A pipe for waking a thread blocked in poll(). Both ends close on exec (a child
/// process must not keep them) and never block: a full pipe already holds a wake-up,
/// so the waker must not wait on the sleeper, and draining stops when the pipe is empty.
public final class WakePipe: @unchecked Sendable {
    /// The end to poll for POLLIN.
    public let readEnd: Int32
    public let writeEnd: Int32

    /// Nil when the process is out of descriptors.
    public init?() {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { return nil }
        for end in ends {
            _ = fcntl(end, F_SETFD, FD_CLOEXEC)
            _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
        }
        readEnd = ends[0]
        writeEnd = ends[1]
    }

    /// Async-signal-safe: one write(2).
    public func wake() {
        var byte: UInt8 = 1
        _ = write(writeEnd, &byte, 1)
    }

    /// Empties the pipe, so the next poll waits for the next wake-up.
    public func drain() {
        var buffer = [UInt8](repeating: 0, count: 64)
        while read(readEnd, &buffer, buffer.count) > 0 {}
    }

    deinit {
        close(readEnd)
        close(writeEnd)
    }
}
