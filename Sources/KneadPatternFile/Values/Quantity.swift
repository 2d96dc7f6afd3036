import KneadCore

/// A value that could not be read, said so a person can fix it.
struct ValueProblem: Error, Equatable {
    var message: String
    var hint: String?
    init(_ message: String, hint: String? = nil) {
        self.message = message
        self.hint = hint
    }
}

/// Numbers with units, as written in pattern and profile files.
///
/// Units are explicit: `8s`, not `8`. A number is written in decimal (`0.4`, `12`,
/// `1.5e2`); hexadecimal, `.inf` and `.nan` are refused. A unit is converted with one
/// multiplication or division by an exact factor, so `80ms` is exactly the double `0.08`
/// and `70%` exactly `0.7`, the same values a Swift literal gives.
struct Quantity {
    struct Unit {
        var symbol: String
        /// value × multiplier ÷ divisor
        var multiplier: Double = 1
        var divisor: Double = 1
    }

    /// What the value is, for messages: "a time", "a rate".
    var noun: String
    var units: [Unit]
    /// The unit suggested when a bare number is written (`8` → `8s`).
    var suggestedUnit: String
    /// Examples for messages: "8s, 500ms or 1.5min".
    var examples: String
    /// Units people write that knead does not take, with the unit to write instead and
    /// the factor to it (`2m` → `2min`, `1h` → `60min`).
    var misunderstood: [String: (unit: String, factor: Double)] = [:]

    static let duration = Quantity(
        noun: "a time", units: [Unit(symbol: "ms", divisor: 1000), Unit(symbol: "s"), Unit(symbol: "min", multiplier: 60)],
        suggestedUnit: "s", examples: "500ms, 8s or 1.5min",
        misunderstood: ["m": ("min", 1), "sec": ("s", 1), "secs": ("s", 1), "seconds": ("s", 1), "mins": ("min", 1),
                        "minutes": ("min", 1), "h": ("min", 60), "hr": ("min", 60), "msec": ("ms", 1)])

    static let rate = Quantity(
        noun: "a rate", units: [Unit(symbol: "Hz"), Unit(symbol: "hz")],
        suggestedUnit: "Hz", examples: "6Hz or 0.5Hz", misunderstood: ["/s": ("Hz", 1), "bpm": ("Hz", 1.0 / 60)])

    static let length = Quantity(
        noun: "a length", units: [Unit(symbol: "mm"), Unit(symbol: "cm", multiplier: 10)],
        suggestedUnit: "mm", examples: "420mm or 42cm")

    static let speed = Quantity(
        noun: "a speed", units: [Unit(symbol: "mm/s"), Unit(symbol: "cm/s", multiplier: 10)],
        suggestedUnit: "mm/s", examples: "120mm/s")

    static let acceleration = Quantity(
        noun: "an acceleration", units: [Unit(symbol: "mm/s2"), Unit(symbol: "mm/s²"), Unit(symbol: "mm/s^2")],
        suggestedUnit: "mm/s2", examples: "600mm/s2")

    static let temperature = Quantity(
        noun: "a temperature", units: [Unit(symbol: "°C"), Unit(symbol: "C")],
        suggestedUnit: "°C", examples: "45°C")

    /// How fast a 0…1 channel may change: full scale per second.
    static let slew = Quantity(
        noun: "a rate of change", units: [Unit(symbol: "/s"), Unit(symbol: "%/s", divisor: 100)],
        suggestedUnit: "/s", examples: "2/s (twice full scale a second) or 50%/s")

    /// The value in base units (seconds, hertz, millimetres, °C, full scale per second).
    func parse(_ text: String, key: String) -> Result<Double, ValueProblem> {
        let (numberText, unit) = Self.split(text)
        guard let number = Self.number(numberText) else {
            if Self.isNonFinite(text) { return .failure(ValueProblem("\(key) must be a finite number, not \(text)")) }
            return .failure(ValueProblem("\(key) must be \(noun) like \(examples) (got '\(text)')"))
        }
        guard number.isFinite else { return .failure(ValueProblem("\(key) must be a finite number, not \(text)")) }
        if unit.isEmpty {
            return .failure(ValueProblem("\(key) needs a unit, e.g. \(numberText)\(suggestedUnit)"))
        }
        guard let found = units.first(where: { $0.symbol == unit }) else {
            if let instead = misunderstood[unit] {
                let converted = (number * instead.factor * 1000).rounded() / 1000
                return .failure(ValueProblem("unknown unit '\(unit)' in '\(text)' (did you mean \(Values.format(converted))\(instead.unit)?)",
                                             hint: "\(key) is \(noun) like \(examples)"))
            }
            // Units are case-sensitive (`MS` would be megasiemens, `M` mega), so `8S` is
            // refused, but the person almost certainly meant the lower-case unit.
            if let symbol = units.first(where: { $0.symbol.lowercased() == unit.lowercased() })?.symbol {
                return .failure(ValueProblem("unknown unit '\(unit)' in '\(text)' (did you mean \(numberText)\(symbol)?)",
                                             hint: "\(key) is \(noun) like \(examples); units are case-sensitive"))
            }
            if let instead = misunderstood.first(where: { $0.key.lowercased() == unit.lowercased() })?.value {
                let converted = (number * instead.factor * 1000).rounded() / 1000
                return .failure(ValueProblem("unknown unit '\(unit)' in '\(text)' (did you mean \(Values.format(converted))\(instead.unit)?)",
                                             hint: "\(key) is \(noun) like \(examples)"))
            }
            return .failure(ValueProblem("unknown unit '\(unit)' in '\(text)'",
                                         hint: "\(key) is \(noun) like \(examples)"))
        }
        let value = number * found.multiplier / found.divisor
        guard value.isFinite else { return .failure(ValueProblem("\(key) must be a finite number, not \(text)")) }
        return .success(value)
    }

    // MARK: - Numbers

    /// A plain decimal number (`12`, `-0.5`, `.5`, `1e3`); nil for anything else,
    /// including what Swift's `Double.init` would also take (`0x10`, `nan`, `inf`).
    static func number(_ text: String) -> Double? {
        let s = Array(text.utf8)
        var i = 0
        if i < s.count, s[i] == UInt8(ascii: "+") || s[i] == UInt8(ascii: "-") { i += 1 }
        var digits = 0
        while i < s.count, isDigit(s[i]) { i += 1; digits += 1 }
        if i < s.count, s[i] == UInt8(ascii: ".") {
            i += 1
            while i < s.count, isDigit(s[i]) { i += 1; digits += 1 }
        }
        guard digits > 0 else { return nil }
        if i < s.count, s[i] == UInt8(ascii: "e") || s[i] == UInt8(ascii: "E") {
            i += 1
            if i < s.count, s[i] == UInt8(ascii: "+") || s[i] == UInt8(ascii: "-") { i += 1 }
            var exponentDigits = 0
            while i < s.count, isDigit(s[i]) { i += 1; exponentDigits += 1 }
            guard exponentDigits > 0 else { return nil }
        }
        guard i == s.count else { return nil }
        return Double(text)
    }

    /// `.nan`, `NaN`, `.inf`, `-.Inf`, `infinity`…: what YAML or JSON writers produce
    /// for values that are not numbers.
    static func isNonFinite(_ text: String) -> Bool {
        var t = Substring(text.lowercased())
        if t.hasPrefix("+") || t.hasPrefix("-") { t = t.dropFirst() }
        if t.hasPrefix(".") { t = t.dropFirst() }
        return ["nan", "inf", "infinity"].contains(where: { t.hasPrefix($0) })
    }

    /// Splits `1.5min` into (`1.5`, `min`), allowing a space between them.
    static func split(_ text: String) -> (number: String, unit: String) {
        let scalars = Array(text.unicodeScalars)
        func isDigit(_ k: Int) -> Bool { k < scalars.count && ("0"..."9").contains(scalars[k]) }
        func isAny(_ k: Int, _ options: Unicode.Scalar...) -> Bool { k < scalars.count && options.contains(scalars[k]) }
        var i = 0
        if isAny(i, "+", "-") { i += 1 }
        while isDigit(i) { i += 1 }
        if isAny(i, ".") { i += 1; while isDigit(i) { i += 1 } }
        if isAny(i, "e", "E") {
            var j = i + 1
            if isAny(j, "+", "-") { j += 1 }
            if isDigit(j) {
                while isDigit(j) { j += 1 }
                i = j
            }
        }
        var rest = scalars[i...]
        while rest.first == " " { rest = rest.dropFirst() }
        return (String(String.UnicodeScalarView(scalars[..<i])), String(String.UnicodeScalarView(rest)))
    }

    private static func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }
}
