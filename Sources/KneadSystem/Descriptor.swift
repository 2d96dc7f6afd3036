import Glibc

/// Single non-blocking reads and writes on a file descriptor, and its flags: what a
/// caller that waits with `Poll` does between waits.
public enum Descriptor {
    /// What became of one read(2) or write(2).
    public enum Transfer: Equatable, Sendable {
        /// Bytes moved; 0 from a read is end of file.
        case moved(Int)
        /// Nothing now, try again: EAGAIN/EWOULDBLOCK (a non-blocking descriptor with no
        /// bytes or no room) or EINTR (a signal came first).
        case again
        case failed(Int32)
    }

    public static func read(_ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer) -> Transfer {
        transfer(Glibc.read(descriptor, buffer.baseAddress, buffer.count))
    }

    public static func write(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer) -> Transfer {
        transfer(Glibc.write(descriptor, bytes.baseAddress, bytes.count))
    }

    private static func transfer(_ count: Int) -> Transfer {
        if count >= 0 { return .moved(count) }
        let code = errno
        return code == EAGAIN || code == EWOULDBLOCK || code == EINTR ? .again : .failed(code)
    }

    /// Opens a terminal device (a serial port, a pseudo-terminal's slave) for reading and
    /// writing: non-blocking, close-on-exec, never the controlling terminal. Returns the
    /// descriptor, or the errno.
    public static func openTerminalDevice(_ path: String) -> Result<Int32, FileOutput.Failure> {
        let descriptor = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)
        return descriptor >= 0 ? .success(descriptor) : .failure(FileOutput.Failure(code: errno))
    }

    /// Reads and writes return at once (`Transfer.again`) instead of waiting.
    public static func setNonBlocking(_ descriptor: Int32) {
        let flags = fcntl(descriptor, F_GETFL)
        if flags >= 0 { _ = fcntl(descriptor, F_SETFL, flags | O_NONBLOCK) }
    }

    /// A program this one starts does not inherit the descriptor.
    public static func setCloseOnExec(_ descriptor: Int32) {
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
    }

    /// Closes the descriptor; the result of close(2) is not looked at (use
    /// `FileOutput.finish` where a late write error must be seen).
    public static func close(_ descriptor: Int32) {
        _ = Glibc.close(descriptor)
    }
}
