import Foundation

/// Command-line arguments as the person typed them, for messages.
///
/// Swift hands arguments over with every byte that is not UTF-8 replaced by U+FFFD, so
/// a file name like `bad\xffname.yaml` would be shown as `bad�name.yaml`, which names
/// no file. Linux keeps the raw bytes in /proc/self/cmdline; this shows them escaped.
enum ArgumentText {
    /// `argument` with the bytes it stood for, each byte that is not UTF-8 as `\xFF`;
    /// `argument` itself when it was valid UTF-8 or the raw bytes cannot be found.
    static func shown(_ argument: String) -> String {
        guard argument.unicodeScalars.contains("\u{FFFD}"),
              let raw = rawArguments().first(where: { String(decoding: $0, as: UTF8.self) == argument }) else {
            return argument
        }
        return escaped(raw)
    }

    /// Valid UTF-8 kept as it is, every other byte as `\xNN`.
    static func escaped(_ bytes: [UInt8]) -> String {
        var text = ""
        var index = 0
        while index < bytes.count {
            let lead = bytes[index]
            let length = lead < 0x80 ? 1 : lead >> 5 == 0b110 ? 2 : lead >> 4 == 0b1110 ? 3 : lead >> 3 == 0b11110 ? 4 : 0
            if length > 0, index + length <= bytes.count,
               let scalarText = String(validating: bytes[index..<index + length], as: UTF8.self) {
                text += scalarText
                index += length
            } else {
                text += "\\x" + String(lead, radix: 16, uppercase: true).leftPadded(to: 2)
                index += 1
            }
        }
        return text
    }

    private static func rawArguments() -> [[UInt8]] {
        guard let data = FileManager.default.contents(atPath: "/proc/self/cmdline") else { return [] }
        return data.split(separator: 0, omittingEmptySubsequences: false).map(Array.init)
    }
}

private extension String {
    func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: Swift.max(0, width - count)) + self
    }
}
