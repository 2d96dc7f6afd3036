import KneadCore

/// The value kinds of pattern files, each with its range: times, rates, levels,
/// pressures, counts. Each returns the value in base units or a problem that says
/// what was wrong and what to write instead.
enum Values {
    /// No single step (and no session) may be longer than this.
    static let longestDuration: Double = 24 * 3600
    /// Faster than any massage rhythm; a percussion massager tops out near 50 Hz.
    static let highestRate: Double = 100

    static func duration(_ text: String, key: String, allowZero: Bool = false) -> Result<Double, ValueProblem> {
        Quantity.duration.parse(text, key: key).flatMap { seconds in
            if seconds < 0 || (seconds == 0 && !allowZero) {
                return .failure(ValueProblem(allowZero ? "\(key) cannot be negative (got \(text))"
                                                       : "\(key) must be more than 0 (got \(text))"))
            }
            if seconds > longestDuration {
                return .failure(ValueProblem("\(key) \(text) is longer than 24 h"))
            }
            return .success(seconds)
        }
    }

    static func rate(_ text: String, key: String) -> Result<Double, ValueProblem> {
        Quantity.rate.parse(text, key: key).flatMap { hertz in
            if hertz <= 0 { return .failure(ValueProblem("\(key) must be more than 0 (got \(text))")) }
            if hertz > highestRate {
                return .failure(ValueProblem("\(key) \(text) is faster than \(Int(highestRate))Hz",
                                             hint: "massage rhythms are a few hertz: tapping 4–8Hz, shiatsu about 0.5Hz"))
            }
            return .success(hertz)
        }
    }

    /// A 0…1 level written as a percentage (`40%`) or a fraction (`0.4`).
    static func level(_ text: String, key: String) -> Result<Level, ValueProblem> {
        let (numberText, unit) = Quantity.split(text)
        guard let number = Quantity.number(numberText), number.isFinite else {
            if Quantity.isNonFinite(text) { return .failure(ValueProblem("\(key) must be a finite number, not \(text)")) }
            return .failure(ValueProblem("\(key) must be a level like 40% or 0.4 (got '\(text)')"))
        }
        switch unit {
        case "%":
            guard (0...100).contains(number) else {
                return .failure(ValueProblem("\(key) \(text) is outside 0–100%"))
            }
            return .success(number / 100)
        case "":
            guard (0...1).contains(number) else {
                if number >= 2, number <= 100 {
                    return .failure(ValueProblem("\(key) \(text) is outside 0…1 (did you mean \(text)%?)",
                                                 hint: "write a level as a percentage like 40% or a fraction like 0.4"))
                }
                return .failure(ValueProblem("\(key) \(text) is outside 0…1",
                                             hint: "write a level as a percentage like 40% or a fraction like 0.4"))
            }
            return .success(number)
        default:
            return .failure(ValueProblem("unknown unit '\(unit)' in '\(text)'",
                                         hint: "\(key) is a level like 40% or 0.4"))
        }
    }

    /// A pressure: `light`, `medium`, `firm`, or a level.
    static func pressure(_ text: String, key: String) -> Result<Level, ValueProblem> {
        if let name = PressureName(rawValue: text) { return .success(name.level) }
        let (numberText, _) = Quantity.split(text)
        if numberText.isEmpty, !Quantity.isNonFinite(text) {
            let names = PressureName.allCases.map(\.rawValue)
            return .failure(ValueProblem("unknown pressure '\(text)'" + Suggestions.didYouMean(text, among: names),
                                         hint: "pressure is light, medium, firm, a percentage like 60% or a fraction like 0.6"))
        }
        return level(text, key: key)
    }

    /// A whole number within `range` (`strokes: 6`, `repeat: 2`).
    static func wholeNumber(_ text: String, key: String, range: ClosedRange<Int>) -> Result<Int, ValueProblem> {
        guard let number = Quantity.number(text) else {
            if Quantity.isNonFinite(text) { return .failure(ValueProblem("\(key) must be a finite number, not \(text)")) }
            return .failure(ValueProblem("\(key) must be a whole number (got '\(text)')"))
        }
        guard number.isFinite, number == number.rounded() else {
            return .failure(ValueProblem("\(key) must be a whole number (got \(text))"))
        }
        guard number >= Double(range.lowerBound) else {
            return .failure(ValueProblem("\(key) must be at least \(range.lowerBound) (got \(text))"))
        }
        guard number <= Double(range.upperBound) else {
            return .failure(ValueProblem("\(key) \(text) is more than \(range.upperBound)"))
        }
        return .success(Int(number))
    }

    /// A plain number within `range`, no unit (a point's coordinates).
    static func plainNumber(_ text: String, key: String, range: ClosedRange<Double>) -> Result<Double, ValueProblem> {
        guard let number = Quantity.number(text), number.isFinite else {
            if Quantity.isNonFinite(text) { return .failure(ValueProblem("\(key) must be a finite number, not \(text)")) }
            return .failure(ValueProblem("\(key) must be a number (got '\(text)')"))
        }
        guard range.contains(number) else {
            return .failure(ValueProblem("\(key) \(text) is outside \(format(range.lowerBound))…\(format(range.upperBound))"))
        }
        return .success(number)
    }

    /// A measure with a unit that must be more than 0 and at most `maximum` (profile values).
    static func positive(_ quantity: Quantity, _ text: String, key: String, maximum: Double) -> Result<Double, ValueProblem> {
        quantity.parse(text, key: key).flatMap { value in
            if value <= 0 { return .failure(ValueProblem("\(key) must be more than 0 (got \(text))")) }
            if value > maximum { return .failure(ValueProblem("\(key) \(text) is more than \(format(maximum))\(quantity.suggestedUnit)")) }
            return .success(value)
        }
    }

    /// A value that must lie in `range`; below it the problem says what a too-small
    /// value would do (`hint`), since "more than 0" alone lets through values that make
    /// a pattern last for days.
    static func within(_ quantity: Quantity, _ text: String, key: String, range: ClosedRange<Double>,
                       belowHint: String? = nil) -> Result<Double, ValueProblem> {
        quantity.parse(text, key: key).flatMap { value in
            let unit = quantity.suggestedUnit
            if value < range.lowerBound {
                return .failure(ValueProblem("\(key) \(text) is less than \(format(range.lowerBound))\(unit)", hint: belowHint))
            }
            if value > range.upperBound { return .failure(ValueProblem("\(key) \(text) is more than \(format(range.upperBound))\(unit)")) }
            return .success(value)
        }
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}
