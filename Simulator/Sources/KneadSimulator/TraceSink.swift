/// Where trace bytes go. Written in chunks of about 64 KiB, so a long session's trace
/// is never held in memory.
public protocol TraceSink: AnyObject {
    /// Throws `TraceError` (or the sink's own error) when the bytes could not be written.
    func write(_ bytes: [UInt8]) throws
    func finish() throws
}

/// Keeps the trace in memory: for tests and short runs.
public final class MemoryTraceSink: TraceSink {
    public private(set) var bytes: [UInt8] = []
    public init() {}
    public func write(_ bytes: [UInt8]) throws { self.bytes += bytes }
    public func finish() throws {}
    public var text: String { String(decoding: bytes, as: UTF8.self) }
    public var lines: [Substring] { text.split(separator: "\n", omittingEmptySubsequences: true) }
}
