/// `20`, `2.5`: a number as a person typed it, without trailing zeros.
public func numberText(_ value: Double) -> String {
    value == value.rounded() && Swift.abs(value) < 1e15 ? String(Int(value)) : String(value)
}

/// A fixed number of decimals (`2.25` to 1 → `2.3`), computed rather than left to
/// Foundation, so it reads the same in every locale and on every platform. Not a number
/// and the infinities read `nonFinite`: a dash in a table, where a figure could not be
/// had; with nil, as Swift spells them (`nan`, `inf`, `-inf`).
public func decimalText(_ value: Double, _ decimals: Int, nonFinite: String? = "-") -> String {
    guard value.isFinite else { return nonFinite ?? String(value) }
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let scaled = Int64((Swift.abs(value) * scale).rounded())
    let whole = scaled / Int64(scale)
    let fraction = scaled % Int64(scale)
    var text = (value < 0 && scaled != 0 ? "-" : "") + String(whole)
    if decimals > 0 {
        let digits = String(fraction)
        text += "." + String(repeating: "0", count: decimals - digits.count) + digits
    }
    return text
}
