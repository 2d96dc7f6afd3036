import KneadCore
import Testing
@testable import KneadPatternFile

@Suite("Units and values")
struct ValueTests {
    @Test(arguments: [
        ("500ms", 0.5), ("8s", 8), ("1.5min", 90), ("8 s", 8), ("0.25s", 0.25), ("1e3ms", 1), ("2min", 120), (".5s", 0.5),
    ])
    func durations(text: String, seconds: Double) throws {
        #expect(try Values.duration(text, key: "duration").get() == seconds)
    }

    /// One division by an exact factor: the same double a Swift literal gives.
    @Test func conversionsAreExact() throws {
        #expect(try Values.duration("80ms", key: "d").get() == 0.08)
        #expect(try Values.level("70%", key: "l").get() == 0.7)
        #expect(try Values.level("12.5%", key: "l").get() == 0.125)
        #expect(try Quantity.slew.parse("20%/s", key: "s").get() == 0.2)
    }

    @Test(arguments: [("40%", 0.4), ("0.4", 0.4), ("100%", 1), ("0", 0), ("1", 1), ("0%", 0)])
    func levels(text: String, level: Double) throws {
        #expect(try Values.level(text, key: "intensity").get() == level)
    }

    @Test func pressures() throws {
        #expect(try Values.pressure("light", key: "pressure").get() == 0.3)
        #expect(try Values.pressure("medium", key: "pressure").get() == 0.5)
        #expect(try Values.pressure("firm", key: "pressure").get() == 0.75)
        #expect(try Values.pressure("60%", key: "pressure").get() == 0.6)
    }

    @Test func rates() throws {
        #expect(try Values.rate("6Hz", key: "rate").get() == 6)
        #expect(try Values.rate("0.5hz", key: "rate").get() == 0.5)
        #expect(Values.rate("0Hz", key: "rate") == .failure(ValueProblem("rate must be more than 0 (got 0Hz)")))
        #expect(Values.rate("60bpm", key: "rate") == .failure(ValueProblem(
            "unknown unit 'bpm' in '60bpm' (did you mean 1Hz?)", hint: "rate is a rate like 6Hz or 0.5Hz")))
    }

    @Test func numbersAreDecimalOnly() {
        #expect(Quantity.number("0x10") == nil)
        #expect(Quantity.number("1_000") == nil)
        #expect(Quantity.number("nan") == nil)
        #expect(Quantity.number("inf") == nil)
        #expect(Quantity.number("1.") == 1)
        #expect(Quantity.number("-2.5e-1") == -0.25)
        #expect(Values.duration("0x10s", key: "duration")
                == .failure(ValueProblem("unknown unit 'x10s' in '0x10s'", hint: "duration is a time like 500ms, 8s or 1.5min")))
        #expect(Values.duration("soon", key: "duration")
                == .failure(ValueProblem("duration must be a time like 500ms, 8s or 1.5min (got 'soon')")))
        #expect(Values.duration("1e400s", key: "duration") == .failure(ValueProblem("duration must be a finite number, not 1e400s")))
    }

    @Test func wholeNumbers() {
        #expect(Values.wholeNumber("6", key: "strokes", range: 1...1000) == .success(6))
        #expect(Values.wholeNumber("6.0", key: "strokes", range: 1...1000) == .success(6))
        #expect(Values.wholeNumber("1e12", key: "strokes", range: 1...1000)
                == .failure(ValueProblem("strokes 1e12 is more than 1000")))
        #expect(Values.wholeNumber("six", key: "strokes", range: 1...1000)
                == .failure(ValueProblem("strokes must be a whole number (got 'six')")))
    }

    @Test func durationsForPeople() {
        #expect(Durations.describe(45) == "45 s")
        #expect(Durations.describe(850) == "14 min 10 s")
        #expect(Durations.describe(900) == "15 min")
        #expect(Durations.describe(7500) == "2 h 5 min")
        #expect(Durations.describe(0.25) == "250 ms")
    }
}
