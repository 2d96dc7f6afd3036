import KneadCore

/// `45%`: a level of 0…1 (clamped) as a whole percentage.
public func percentText(_ level: Double) -> String {
    "\(Int((level.unitClamped * 100).rounded()))%"
}
