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
        let descriptor: Int32
        do {
            descriptor = try FileOutput.create(path)
        } catch {
            throw .cannotOpen(path: path, reason: error.reason)
        }
        self.init(descriptor: descriptor, path: path, owns: true)
    }

    deinit {
        if ownsDescriptor { FileOutput.close(descriptor) }
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws(ExportError) {
        do {
            try FileOutput.writeAll(descriptor, bytes)
        } catch {
            throw .writeFailed(path: path, reason: error.reason)
        }
    }
}
