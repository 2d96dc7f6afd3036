import Foundation
import KneadCore

/// The bytes of a file checked to be text a YAML parser can take, before any parsing:
/// UTF-8, no binary control characters, not empty. Each problem comes with its line and
/// column so "this is a JPEG" is reported as precisely as a misspelt key.
enum SourceText {
    static func decode(_ data: Data) -> Result<String, Diagnostic> {
        let start = SourceLocation(line: 1, column: 1)
        if data.isEmpty { return .failure(.error(at: start, "the file is empty")) }
        var bytes = [UInt8](data)
        if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) {
            return .failure(.error(at: start, "the file is UTF-16 text; knead reads UTF-8",
                                   hint: "save the file as UTF-8"))
        }
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }  // a UTF-8 byte order mark is invisible in editors

        let text: String
        if let valid = String(validating: bytes, as: UTF8.self) {
            text = valid
        } else {
            let (offset, byte) = firstInvalidUTF8(in: bytes)
            let prefix = String(decoding: bytes[..<offset], as: UTF8.self)
            return .failure(.error(at: endLocation(of: prefix),
                                   "not UTF-8 text (byte 0x\(hex(byte)) cannot start a character); is this a pattern file?"))
        }

        if let problem = unprintable(in: text) { return .failure(problem) }
        return .success(text)
    }

    /// The first character YAML does not allow in a stream (binary data), if any.
    static func unprintable(in text: String) -> Diagnostic? {
        var line = 1, column = 1
        for scalar in text.unicodeScalars {
            if !isYAMLPrintable(scalar) {
                return .error(at: SourceLocation(line: line, column: column),
                              "not a text file: control character U+\(hex(scalar.value, width: 4)) (binary data?)")
            }
            if scalar == "\n" { line += 1; column = 1 } else { column += 1 }
        }
        return nil
    }

    /// Where the text ends: the position of the character that would follow it.
    static func endLocation(of text: String) -> SourceLocation {
        var line = 1, column = 1
        for scalar in text.unicodeScalars {
            if scalar == "\n" { line += 1; column = 1 } else { column += 1 }
        }
        return SourceLocation(line: line, column: column)
    }

    /// The line and column of the `offset`-th character of `text` (0-based, as Yams
    /// reports reader errors).
    static func location(ofCharacter offset: Int, in text: String) -> SourceLocation {
        endLocation(of: String(text.prefix(max(0, offset))))
    }

    /// YAML's printable set (YAML 1.2, 5.1): what libyaml accepts in a stream.
    static func isYAMLPrintable(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x09, 0x0A, 0x0D, 0x20...0x7E, 0x85, 0xA0...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: return true
        default: return false
        }
    }

    private static func firstInvalidUTF8(in bytes: [UInt8]) -> (Int, UInt8) {
        var index = 0
        while index < bytes.count {
            let lead = bytes[index]
            let length: Int
            switch lead {
            case 0x00...0x7F: length = 1
            case 0xC2...0xDF: length = 2
            case 0xE0...0xEF: length = 3
            case 0xF0...0xF4: length = 4
            default: return (index, lead)
            }
            guard index + length <= bytes.count,
                  String(validating: bytes[index..<index + length], as: UTF8.self) != nil else {
                return (index, lead)
            }
            index += length
        }
        return (max(0, bytes.count - 1), bytes.last ?? 0)
    }

    private static func hex<T: BinaryInteger>(_ value: T, width: Int = 2) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
