import Glibc

/// Writing bytes to a file descriptor, whole, with the error as a person reads it.
public enum FileOutput {
    /// What went wrong, as `strerror` says it.
    public struct Failure: Error, Sendable, Equatable {
        public var code: Int32
        public var reason: String {
            // What ENXIO means when `create` meets a named pipe: strerror's "No such
            // device or address" would send a person looking for the wrong thing.
            code == ENXIO ? "it is a named pipe that no process reads" : Errno.text(code)
        }

        public init(code: Int32) {
            self.code = code
        }
    }

    /// Creates (or truncates) `path` for writing, close-on-exec; the caller closes it.
    /// A named pipe that no process reads fails at once (ENXIO) rather than waiting for
    /// a reader for ever; once open, writes wait as usual.
    public static func create(_ path: String) throws(Failure) -> Int32 {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NONBLOCK, 0o644)
        guard descriptor >= 0 else { throw Failure(code: errno) }
        let flags = fcntl(descriptor, F_GETFL)
        if flags >= 0 { _ = fcntl(descriptor, F_SETFL, flags & ~O_NONBLOCK) }
        return descriptor
    }

    /// Writes every byte, again after a signal interrupts and after a short write (a
    /// pipe or a terminal takes what fits). A write that takes nothing fails with code 0.
    public static func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer) throws(Failure) {
        guard var base = bytes.baseAddress else { return }
        var remaining = bytes.count
        while remaining > 0 {
            let written = write(descriptor, base, remaining)
            if written < 0 {
                if errno == EINTR { continue }
                throw Failure(code: errno)
            }
            if written == 0 { throw Failure(code: 0) }
            remaining -= written
            base += written
        }
    }

    /// Writes all of `text` (UTF-8), as `writeAll` does bytes.
    public static func writeAll(_ descriptor: Int32, _ text: String) throws(Failure) {
        var text = text
        let result = text.withUTF8 { buffer in
            Result { () throws(Failure) in try writeAll(descriptor, UnsafeRawBufferPointer(buffer)) }
        }
        try result.get()
    }

    public static func close(_ descriptor: Int32) {
        Descriptor.close(descriptor)
    }

    /// Closes a file written with `writeAll`: some file systems (NFS, quotas) report a
    /// failed write only here.
    public static func finish(_ descriptor: Int32) throws(Failure) {
        if Glibc.close(descriptor) != 0 && errno != EINTR { throw Failure(code: errno) }
    }
}
