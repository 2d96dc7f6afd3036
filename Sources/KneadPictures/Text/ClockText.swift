/// `m:ss`, or `h:mm:ss` from an hour on. Lengths round to the nearest second, as
/// `knead check` prints them; time played rounds `.down`, since a clock does not show a
/// second before it has passed. NaN and negative times read 0:00, and anything past
/// 999999:59:59 (infinity included) reads that.
public func clockText(_ seconds: Double, rounding: FloatingPointRoundingRule = .toNearestOrAwayFromZero) -> String {
    // Clamped before the conversion to Int, which traps beyond Int's range: a length
    // that large is a bug or a hostile file, and a million hours reads as "far too long".
    let longest = 999_999.0 * 3600 + 3599
    let total = seconds.isNaN ? 0 : Int(Swift.min(longest, Swift.max(0, seconds.rounded(rounding))))
    let hours = total / 3600, minutes = (total / 60) % 60, secs = total % 60
    let ss = secs < 10 ? "0\(secs)" : "\(secs)"
    if hours > 0 {
        return "\(hours):" + (minutes < 10 ? "0\(minutes)" : "\(minutes)") + ":" + ss
    }
    return "\(minutes):" + ss
}

/// Short length text for tables: `90s` → `1:30`, `5s` → `5.0s`, `0.4s` → `0.4s`.
public func lengthText(_ seconds: Double) -> String {
    if seconds < 10 {
        let tenths = Int((Swift.max(0, seconds) * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)s"
    }
    return clockText(seconds)
}
