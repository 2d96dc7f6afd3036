import KneadSystem

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
        do throws(FileOutput.Failure) {
            descriptor = try FileOutput.create(path)
        } catch {
            throw TraceError(.open, path: path, code: error.code)
        }
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
        if closesDescriptor && descriptor >= 0 { FileOutput.close(descriptor) }
    }

    public func write(_ bytes: [UInt8]) throws {
        let written = bytes.withUnsafeBytes { buffer in
            Result { () throws(FileOutput.Failure) in try FileOutput.writeAll(descriptor, buffer) }
        }
        if case let .failure(failure) = written { throw TraceError(.write, path: path, code: failure.code) }
    }

    public func finish() throws {
        guard closesDescriptor, descriptor >= 0 else { return }
        let closing = descriptor
        descriptor = -1
        do throws(FileOutput.Failure) {
            try FileOutput.finish(closing)
        } catch {
            throw TraceError(.close, path: path, code: error.code)
        }
    }
}
