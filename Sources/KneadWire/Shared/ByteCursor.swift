/// Little-endian writer over a caller-owned buffer. Writing past the end sets
/// `overflowed` instead of trapping, so a caller checks once at the end.
public struct KWPWriter {
    public let buffer: UnsafeMutableRawBufferPointer
    public private(set) var count: Int
    public private(set) var overflowed = false

    public init(_ buffer: UnsafeMutableRawBufferPointer, startingAt offset: Int = 0) {
        self.buffer = buffer
        self.count = offset
    }

    public mutating func u8(_ value: UInt8) {
        if count < buffer.count {
            buffer[count] = value
            count += 1
        } else {
            overflowed = true
        }
    }

    public mutating func u16(_ value: UInt16) {
        u8(UInt8(truncatingIfNeeded: value))
        u8(UInt8(truncatingIfNeeded: value >> 8))
    }

    public mutating func i16(_ value: Int16) { u16(UInt16(bitPattern: value)) }

    public mutating func u32(_ value: UInt32) {
        u16(UInt16(truncatingIfNeeded: value))
        u16(UInt16(truncatingIfNeeded: value >> 16))
    }

    public mutating func u64(_ value: UInt64) {
        u32(UInt32(truncatingIfNeeded: value))
        u32(UInt32(truncatingIfNeeded: value >> 32))
    }

    /// A length byte then the bytes, cut to `maxLength`.
    public mutating func shortBytes<C: Collection>(_ bytes: C, maxLength: Int) where C.Element == UInt8 {
        let length = bytes.count < maxLength ? bytes.count : maxLength
        u8(UInt8(truncatingIfNeeded: length))
        var written = 0
        for byte in bytes where written < length {
            u8(byte)
            written += 1
        }
    }
}

/// Little-endian reader over a borrowed buffer. Reading past the end returns zeros and
/// sets `failed`, so a decoder reads a whole layout and checks once.
public struct KWPReader {
    public let buffer: UnsafeRawBufferPointer
    public private(set) var offset: Int
    public private(set) var failed = false

    public init(_ buffer: UnsafeRawBufferPointer, startingAt offset: Int = 0) {
        self.buffer = buffer
        self.offset = offset
    }

    public var remaining: Int { buffer.count - offset }
    public var isAtEnd: Bool { offset == buffer.count }

    public mutating func u8() -> UInt8 {
        if offset < buffer.count {
            let value = buffer[offset]
            offset += 1
            return value
        }
        failed = true
        return 0
    }

    public mutating func u16() -> UInt16 {
        let low = UInt16(u8())
        return low | UInt16(u8()) << 8
    }

    public mutating func i16() -> Int16 { Int16(bitPattern: u16()) }

    public mutating func u32() -> UInt32 {
        let low = UInt32(u16())
        return low | UInt32(u16()) << 16
    }

    public mutating func u64() -> UInt64 {
        let low = UInt64(u32())
        return low | UInt64(u32()) << 32
    }

    /// Skips `count` bytes and returns them as a slice of the buffer.
    public mutating func bytes(_ count: Int) -> UnsafeRawBufferPointer {
        if count < 0 || count > remaining {
            failed = true
            offset = buffer.count
            return UnsafeRawBufferPointer(rebasing: buffer[buffer.count..<buffer.count])
        }
        let slice = UnsafeRawBufferPointer(rebasing: buffer[offset..<(offset + count)])
        offset += count
        return slice
    }
}
