/// `850 ns`, `12 µs`, `1.3 ms`, `2.50 s`: a short duration with a unit that fits.
public func durationText(_ seconds: Double) -> String {
    guard seconds.isFinite else { return "–" }
    let magnitude = Swift.abs(seconds)
    if magnitude < 1e-6 { return "\(Int((seconds * 1e9).rounded())) ns" }
    if magnitude < 1e-3 { return "\(Int((seconds * 1e6).rounded())) µs" }
    if magnitude < 1 { return decimalText(seconds * 1e3, magnitude < 0.01 ? 2 : 1, nonFinite: nil) + " ms" }
    return decimalText(seconds, 2, nonFinite: nil) + " s"
}
