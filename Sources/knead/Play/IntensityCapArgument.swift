import KneadPlayer
import KneadPictures

/// The person's intensity cap as written on the command line: `60` or `60%`.
///
/// A bare fraction such as `0.6` is refused with a hint: pattern files write levels
/// as 0…1, and reading `0.6` here as 0.6 % would surprise the person holding the device.
enum IntensityCapArgument {
    enum ParseError: Error, CustomStringConvertible, Equatable {
        case notANumber(String)
        case fractionWithoutPercent(String)
        case outOfRange(String)

        var description: String {
            switch self {
            case let .notANumber(text):
                return "'\(text)' is not a percentage; write it like 60 or 60%"
            case let .fractionWithoutPercent(text):
                let percent = (Double(text) ?? 0) * 100
                return "a bare \(text) would mean \(text) %; write a percentage such as \(percentNumberText(percent))%"
            case let .outOfRange(text):
                return "'\(text)' is outside 1%…100%"
            }
        }
    }

    /// The cap as a level 0…1.
    static func parse(_ text: String) throws(ParseError) -> Double {
        let trimmed = text.trimmingSpaces
        let hasPercentSign = trimmed.hasSuffix("%")
        let digits = hasPercentSign ? String(trimmed.dropLast()).trimmingSpaces : trimmed
        guard let value = Double(digits), value.isFinite else { throw .notANumber(text) }
        if !hasPercentSign && value > 0 && value < 1 { throw .fractionWithoutPercent(digits) }
        guard value >= 1 && value <= 100 else { throw .outOfRange(text) }
        return value / 100
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        var slice = Substring(self)
        while slice.first == " " { slice.removeFirst() }
        while slice.last == " " { slice.removeLast() }
        return String(slice)
    }
}
