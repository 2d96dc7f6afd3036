/// A byte buffer that exporters format into and that goes to its sink in large
/// chunks, so a frame costs a few stores and no allocation, and memory stays the same
/// however long the session is.
///
/// The hot path is `write(reserving:_:)`: it makes room, then hands the formatting
/// code a `ByteCursor`, a plain local value, so the stores need no checks beyond the
/// one reservation.
public final class OutputBuffer {
    public let sink: ByteSink
    private let capacity: Int
    private let storage: UnsafeMutablePointer<UInt8>
    @exclusivity(unchecked) private var count = 0

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

    /// Makes room for `length` bytes (at most the capacity), then lets `body` append at
    /// most that many through the cursor.
    @inline(__always)
    public func write(reserving length: Int, _ body: (inout ByteCursor) -> Void) throws(ExportError) {
        precondition(length <= capacity, "a single write larger than the buffer")
        if count + length > capacity { try flush() }
        var cursor = ByteCursor(base: storage, position: count)
        body(&cursor)
        assert(cursor.position <= count + length, "wrote more than reserved")
        count = cursor.position
    }

    /// Sends everything buffered to the sink.
    public func flush() throws(ExportError) {
        guard count > 0 else { return }
        let chunk = UnsafeRawBufferPointer(start: storage, count: count)
        count = 0
        try sink.write(chunk)
    }

    /// Appends text of any length (flushing as often as needed).
    public func append(text: String) throws(ExportError) {
        for byte in text.utf8 {
            if count == capacity { try flush() }
            storage[count] = byte
            count += 1
        }
    }

    /// Appends `value` in fixed-point notation (see `ByteCursor.appendFixed`).
    public func appendFixed(_ value: Double, decimals: Int) throws(ExportError) {
        try write(reserving: Self.maxFixedLength) { $0.appendFixed(value, decimals: decimals) }
    }

    /// Appends an integer in decimal.
    public func append(integer value: Int) throws(ExportError) {
        try write(reserving: Self.maxFixedLength) { $0.append(integer: value) }
    }
}

/// Where formatting code writes: a pointer into the buffer and a position. Only
/// `OutputBuffer.write(reserving:_:)` makes one, after reserving the room.
public struct ByteCursor {
    @usableFromInline let base: UnsafeMutablePointer<UInt8>
    @usableFromInline var position: Int

    init(base: UnsafeMutablePointer<UInt8>, position: Int) {
        self.base = base
        self.position = position
    }

    @inline(__always)
    public mutating func append(_ byte: UInt8) {
        base[position] = byte
        position += 1
    }

    @inline(__always)
    public mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { source in
            // Labels and keys are short: a plain loop beats a call to memmove.
            for index in 0..<source.count { base[position + index] = source[index] }
        }
        position += bytes.count
    }

    /// Appends an integer in decimal.
    @inline(__always)
    public mutating func append(integer value: Int) {
        if value < 0 { append(UInt8(ascii: "-")) }
        appendDigits(value.magnitude.asUInt64)
    }

    /// Appends `value` in fixed-point notation with exactly `decimals` digits after the
    /// point (0 … 6), rounded half away from zero: `0.5` with 4 decimals is `0.5000`.
    /// NaN is written as 0 and infinities as the largest representable magnitude, so
    /// the output always parses as a number. Magnitudes are limited to 10^12.
    @inline(__always)
    public mutating func appendFixed(_ value: Double, decimals: Int) {
        // The usual decimals get their own copy, so the divisions by the scale are by a
        // constant (a multiplication) rather than a hardware divide: six numbers a frame.
        switch decimals {
        case 3: appendFixed(value, scale: 1_000, decimals: 3)
        case 4: appendFixed(value, scale: 10_000, decimals: 4)
        default:
            let clamped = Swift.min(6, Swift.max(0, decimals))
            appendFixed(value, scale: Self.powersOfTen[clamped], decimals: clamped)
        }
    }

    @inline(__always)
    private mutating func appendFixed(_ value: Double, scale: UInt64, decimals: Int) {
        var magnitude = value.magnitude
        if !(magnitude <= 1e12) { magnitude = value.isNaN ? 0 : 1e12 }
        // Round half away from zero without a libm call: truncate, then look at what was
        // cut off (exact, as the scaled value is far below 2^52).
        let scaledValue = magnitude * Double(scale)
        var scaled = UInt64(scaledValue)
        if scaledValue - Double(scaled) >= 0.5 { scaled += 1 }
        if value < 0 && scaled != 0 { append(UInt8(ascii: "-")) }
        if decimals == 0 {
            appendDigits(scaled)
            return
        }
        appendDigits(scaled / scale)
        append(UInt8(ascii: "."))
        appendDigits(scaled % scale, exactly: decimals)
    }

    /// Writes the decimal digits of `value`.
    @inline(__always)
    private mutating func appendDigits(_ value: UInt64) {
        var length = 1
        var rest = value
        while rest >= 10 {
            rest /= 10
            length += 1
        }
        appendDigits(value, exactly: length)
    }

    /// Writes the last `length` decimal digits of `value`, with leading zeros, two
    /// digits at a time from a table (half the dependent divisions of one at a time),
    /// in 32-bit arithmetic when the value fits.
    @inline(__always)
    private mutating func appendDigits(_ value: UInt64, exactly length: Int) {
        var index = position + length
        var remaining = length
        if value <= UInt64(UInt32.max) {
            var v = UInt32(truncatingIfNeeded: value)
            while remaining >= 2 {
                let pair = Int(v % 100) &* 2
                v /= 100
                index -= 2
                base[index] = Self.digitPairs[pair]
                base[index + 1] = Self.digitPairs[pair + 1]
                remaining -= 2
            }
            if remaining == 1 { base[index - 1] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: v % 10) }
        } else {
            var v = value
            while remaining > 0 {
                index -= 1
                base[index] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: v % 10)
                v /= 10
                remaining -= 1
            }
        }
        position += length
    }

    /// "000102…99": the two digits of every number below 100.
    private static let digitPairs: [UInt8] = (0..<100).flatMap { n in
        [UInt8(ascii: "0") + UInt8(n / 10), UInt8(ascii: "0") + UInt8(n % 10)]
    }

    private static let powersOfTen: [UInt64] = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000]
}

extension UInt {
    fileprivate var asUInt64: UInt64 { UInt64(self) }
}
