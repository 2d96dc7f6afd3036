#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import KneadSystem

/// Where exported bytes go. Writers hand over large chunks (tens of kilobytes), so a
/// sink may make one system call per chunk.
public protocol ByteSink: AnyObject {
    func write(_ bytes: UnsafeRawBufferPointer) throws(ExportError)
}

/// Why an export could not be written.
public enum ExportError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The output file could not be created or opened.
    case cannotOpen(path: String, reason: String)
    /// A write failed (disk full, pipe closed, …).
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case let .cannotOpen(path, reason): return "cannot write '\(path)': \(reason)"
        case let .writeFailed(path, reason): return "writing '\(path)' failed: \(reason)"
        }
    }
}

/// Collects everything in memory: for tests and for small outputs.
public final class MemorySink: ByteSink {
    public private(set) var bytes: [UInt8] = []
    public init() {}
    public func write(_ bytes: UnsafeRawBufferPointer) throws(ExportError) {
        self.bytes.append(contentsOf: bytes)
    }
    /// The bytes as UTF-8 text.
    public var text: String { String(decoding: bytes, as: UTF8.self) }
}

/// Throws the bytes away and counts them: for benchmarks.
public final class CountingNullSink: ByteSink {
    public private(set) var count = 0
    public init() {}
    public func write(_ bytes: UnsafeRawBufferPointer) throws(ExportError) {
        count += bytes.count
    }
}

/// Writes to a file descriptor: standard output, or a file it opens and owns.
public final class FileDescriptorSink: ByteSink {
    public let path: String
    private let descriptor: Int32
    private let ownsDescriptor: Bool

    /// Standard output (not closed by this sink).
    public static func standardOutput() -> FileDescriptorSink {
        FileDescriptorSink(descriptor: 1, path: "<stdout>", owns: false)
    }

    private init(descriptor: Int32, path: String, owns: Bool) {
        self.descriptor = descriptor
        self.path = path
        self.ownsDescriptor = owns
    }

    /// Creates (or truncates) the file at `path`.
    public convenience init(creating path: String) throws(ExportError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw .cannotOpen(path: path, reason: Errno.currentText)
        }
        self.init(descriptor: fd, path: path, owns: true)
    }

    deinit {
        if ownsDescriptor { _ = close(descriptor) }
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws(ExportError) {
        guard var base = bytes.baseAddress else { return }
        var remaining = bytes.count
        while remaining > 0 {
            #if canImport(Darwin)
            let written = Darwin.write(descriptor, base, remaining)
            #elseif canImport(Glibc)
            let written = Glibc.write(descriptor, base, remaining)
            #else
            let written = Musl.write(descriptor, base, remaining)
            #endif
            if written < 0 {
                if errno == EINTR { continue }
                throw .writeFailed(path: path, reason: Errno.currentText)
            }
            remaining -= written
            base += written
        }
    }
}
