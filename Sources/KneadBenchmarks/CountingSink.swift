import KneadPatternFile

/// Counts what passes through to another sink: the render benchmark reports the bytes
/// it wrote to /dev/null.
final class CountingSink: ByteSink {
    let next: ByteSink
    private(set) var count = 0

    init(forwardingTo next: ByteSink) { self.next = next }

    func write(_ bytes: UnsafeRawBufferPointer) throws(ExportError) {
        count += bytes.count
        try next.write(bytes)
    }
}
