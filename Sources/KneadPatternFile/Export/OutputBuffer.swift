/// A byte buffer that exporters format into and that goes to its sink in large
/// chunks, so a frame costs a few stores and no allocation, and memory stays the same
/// however long the session is.
///
/// Writers call `reserve(_:)` with an upper bound of what they are about to append,
/// then append without further checks.
public final class OutputBuffer {
    public let sink: ByteSink
    private let capacity: Int
    private let storage: UnsafeMutablePointer<UInt8>
    private var count = 0

    /// Longest text `appendFixed` can produce (sign, 13 digits, point, 6 decimals).
    public static let maxFixedLength = 24

    public init(sink: ByteSink, capacity: Int = 1 << 16) {
        self.sink = sink
        self.capacity = Swift.max(capacity, 256)
        storage = .allocate(capacity: self.capacity)
    }

    deinit {
        storage.deallocate()
    }

    /// Makes room for `length` more bytes, sending what is buffered to the sink if needed.
    /// Anything longer than the buffer is rejected by `append`'s bound check in debug builds;
    /// writers keep single appends far below the capacity.
    @inline(__always)
    public func reserve(_ length: Int) throws(ExportError) {
        if count + length > capacity { try flush() }
    }

    /// Sends everything buffered to the sink.
    public func flush() throws(ExportError) {
        guard count > 0 else { return }
        let chunk = UnsafeRawBufferPointer(start: storage, count: count)
        count = 0
        try sink.write(chunk)
    }

    @inline(__always)
    public func append(_ byte: UInt8) {
        assert(count < capacity)
        storage[count] = byte
        count += 1
    }

    public func append(_ bytes: [UInt8]) {
        assert(count + bytes.count <= capacity)
        bytes.withUnsafeBufferPointer { source in
            guard let base = source.baseAddress else { return }
            (storage + count).update(from: base, count: source.count)
        }
        count += bytes.count
    }

    /// Appends text of any length (flushing as often as needed).
    public func append(text: String) throws(ExportError) {
        var text = text
        var failure: ExportError?
        text.withUTF8 { utf8 in
            var offset = 0
            while offset < utf8.count {
                if count == capacity {
                    do throws(ExportError) { try flush() } catch { failure = error; return }
                }
                let length = Swift.min(capacity - count, utf8.count - offset)
                (storage + count).update(from: utf8.baseAddress! + offset, count: length)
                count += length
                offset += length
            }
        }
        if let failure { throw failure }
    }

    /// Appends a non-negative integer in decimal.
    public func append(integer value: Int) {
        var value = value
        if value < 0 {
            append(UInt8(ascii: "-"))
            value = value == .min ? .max : -value
        }
        appendDigits(UInt64(value), minimumDigits: 1)
    }

    /// Appends `value` in fixed-point notation with exactly `decimals` digits after the
    /// point (0 … 6), rounded half away from zero: `0.5` with 4 decimals is `0.5000`.
    /// NaN is written as 0 and infinities as the largest representable magnitude, so
    /// the output always parses as a number. Magnitudes are limited to 10^12.
    @inline(__always)
    public func appendFixed(_ value: Double, decimals: Int) {
        let scale = OutputBuffer.powersOfTen[decimals]
        var magnitude = value.magnitude
        if !(magnitude <= 1e12) { magnitude = value.isNaN ? 0 : 1e12 }
        let scaled = UInt64((magnitude * Double(scale)).rounded(.toNearestOrAwayFromZero))
        if value < 0 && scaled != 0 { append(UInt8(ascii: "-")) }
        if decimals == 0 {
            appendDigits(scaled, minimumDigits: 1)
            return
        }
        appendDigits(scaled / scale, minimumDigits: 1)
        append(UInt8(ascii: "."))
        appendDigits(scaled % scale, minimumDigits: decimals)
    }

    @inline(__always)
    private func appendDigits(_ value: UInt64, minimumDigits: Int) {
        // Write backwards into a small stack scratch, then copy forwards.
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0) // 24 bytes of scratch
        withUnsafeMutableBytes(of: &digits) { scratch in
            var v = value
            var position = scratch.count
            repeat {
                position -= 1
                scratch[position] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: v % 10)
                v /= 10
            } while v > 0 || scratch.count - position < minimumDigits
            let length = scratch.count - position
            assert(count + length <= capacity)
            (storage + count).update(from: scratch.baseAddress!.assumingMemoryBound(to: UInt8.self) + position,
                                     count: length)
            count += length
        }
    }

    private static let powersOfTen: [UInt64] = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000]
}
