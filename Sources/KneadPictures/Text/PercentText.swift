import KneadCore

/// `45%`: a level of 0…1 (clamped) as a whole percentage.
public func percentText(_ level: Double) -> String {
    "\(Int((level.unitClamped * 100).rounded()))%"
}

/// `60`, `62.5`: a percentage (0…100) as a person would write it, to a tenth, without
/// trailing zeros.
public func percentNumberText(_ percent: Double) -> String {
    let rounded = (percent * 10).rounded() / 10
    return rounded == rounded.rounded() && Swift.abs(rounded) < 1e15 ? String(Int(rounded)) : String(rounded)
}
