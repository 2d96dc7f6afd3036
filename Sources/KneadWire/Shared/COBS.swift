/// Consistent Overhead Byte Stuffing (Cheshire and Baker, 1999): removes every 0x00 from a
/// packet so that 0x00 can delimit frames on the wire. See docs/protocol.md, section 2.1.
///
/// The functions work on caller-owned buffers and never allocate, so the device side can
/// use them from fixed buffers.
public enum COBS {
    /// The longest COBS form of `length` bytes (one code byte per started 254-byte block,
    /// and one for an empty input).
    public static func maxEncodedLength(_ length: Int) -> Int {
        length + length / 254 + 1
    }

    /// Encodes `input` into `output` (without the 0x00 delimiter). Returns the number of
    /// bytes written, or nil if `output` is too small.
    public static func encode(_ input: UnsafeRawBufferPointer,
                              into output: UnsafeMutableRawBufferPointer) -> Int? {
        if output.count < 1 { return nil }
        var codeIndex = 0
        var out = 1
        var code: UInt8 = 1
        var index = 0
        while index < input.count {
            let byte = input[index]
            index += 1
            if byte == 0 {
                output[codeIndex] = code
                if out >= output.count { return nil }
                codeIndex = out
                out += 1
                code = 1
            } else {
                if out >= output.count { return nil }
                output[out] = byte
                out += 1
                code += 1
                // A full block of 254 bytes ends without an implied zero. When it is also
                // the end of the input no further (empty) block is written.
                if code == 0xFF && index < input.count {
                    output[codeIndex] = code
                    if out >= output.count { return nil }
                    codeIndex = out
                    out += 1
                    code = 1
                }
            }
        }
        output[codeIndex] = code
        return out
    }

    /// Decodes one COBS frame (without its delimiter) from `input` into `output`. Returns
    /// the decoded length, or nil if the frame is not valid COBS (a 0x00 inside it, or a
    /// code byte promising more bytes than the frame holds) or `output` is too small.
    /// `output` may be the same memory as `input`: decoding never writes ahead of reading.
    public static func decode(_ input: UnsafeRawBufferPointer,
                              into output: UnsafeMutableRawBufferPointer) -> Int? {
        var index = 0
        var out = 0
        while index < input.count {
            let code = Int(input[index])
            if code == 0 { return nil }
            index += 1
            let runEnd = index + code - 1
            if runEnd > input.count { return nil }
            while index < runEnd {
                let byte = input[index]
                if byte == 0 { return nil }
                if out >= output.count { return nil }
                output[out] = byte
                out += 1
                index += 1
            }
            if code < 0xFF && index < input.count {
                if out >= output.count { return nil }
                output[out] = 0
                out += 1
            }
        }
        return out
    }
}
