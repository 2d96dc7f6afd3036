import KneadCore

/// A duration on the command line, written as in pattern files: `500ms`, `90s`,
/// `45min`, `1.5h`. A bare number is refused with the fix, as in pattern files.
enum DurationArgument {
    struct ParseError: Error, CustomStringConvertible {
        var description: String
    }

    static func parse(_ text: String) -> Result<Double, ParseError> {
        let units: [(suffix: String, seconds: Double)] = [("ms", 0.001), ("min", 60), ("s", 1), ("h", 3600)]
        let trimmed = text.filter { $0 != " " }
        for unit in units where trimmed.hasSuffix(unit.suffix) {
            let number = trimmed.dropLast(unit.suffix.count)
            guard let value = Double(number), value.isFinite, value > 0 else {
                return .failure(ParseError(description: "'\(text)' is not a positive duration; write it like 45min"))
            }
            return .success(value * unit.seconds)
        }
        if Double(trimmed) != nil {
            return .failure(ParseError(description: "'\(text)' needs a unit, e.g. \(trimmed)min"))
        }
        return .failure(ParseError(description: "'\(text)' is not a duration; write it like 45min, 90s or 1.5h"))
    }

    /// A `--session-cap`: a duration no longer than the envelope's longest cap. Refused
    /// rather than lowered, so nobody believes a 25 h cap is in force.
    static func parseSessionCap(_ text: String) -> Result<Double, ParseError> {
        parse(text).flatMap { seconds in
            guard seconds <= SafetyLimits.longestSessionCap else {
                let hours = Int(SafetyLimits.longestSessionCap / 3600)
                return .failure(ParseError(description: "'\(text)' is longer than the longest session cap, \(hours)h; "
                                                        + "give \(hours)h or less"))
            }
            return .success(seconds)
        }
    }
}
