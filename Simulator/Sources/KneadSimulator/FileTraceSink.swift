#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes the trace into a path, opened as `open(path, O_WRONLY|O_CREAT|O_TRUNC)`.
///
/// Opened in place, never written beside it and renamed over it: a symlink is followed
/// (the file it names gets the trace, the link stays), a device node stays a device
/// (`/dev/stdout`, a fifo, `/dev/full` for testing a full disk). Every failed write
/// throws a `TraceError` with errno, so a full disk is reported, never lost quietly.
public final class FileTraceSink: TraceSink {
    private var descriptor: Int32
    private let closesDescriptor: Bool
    public let path: String?

    /// Opens (creating or truncating) the file. Throws `TraceError` (`.open`) with the
    /// path and the system's reason when it cannot.
    public init(path: String) throws(TraceError) {
        let opened = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard opened >= 0 else { throw TraceError(.open, path: path, code: errno) }
        descriptor = opened
        closesDescriptor = true
        self.path = path
    }

    /// Writes to a descriptor the caller owns (standard output, a pipe); not closed.
    public init(descriptor: Int32) {
        self.descriptor = descriptor
        closesDescriptor = false
        path = nil
    }

    deinit {
        if closesDescriptor && descriptor >= 0 { close(descriptor) }
    }

    public func write(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { buffer in
                systemWrite(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
            }
            if written < 0 {
                let code = errno
                if code == EINTR { continue }
                throw TraceError(.write, path: path, code: code)
            }
            offset += written
        }
    }

    public func finish() throws {
        guard closesDescriptor, descriptor >= 0 else { return }
        let result = close(descriptor)
        descriptor = -1
        // Some file systems report a failed write only at close (NFS, quotas).
        if result != 0 && errno != EINTR { throw TraceError(.close, path: path, code: errno) }
    }
}

/// The C `write`, out of reach by name inside `FileTraceSink.write`.
private func systemWrite(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    write(descriptor, bytes, count)
}
