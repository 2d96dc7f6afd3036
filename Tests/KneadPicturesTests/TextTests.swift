import KneadPictures
import Testing

@Suite("Clock, number and percent text")
struct TextTests {
    @Test func clockTextRoundsToTheNearestSecondAndShowsHoursFromAnHourOn() {
        #expect(clockText(0) == "0:00")
        #expect(clockText(89.6) == "1:30")
        #expect(clockText(599.4) == "9:59")
        #expect(clockText(3599.5) == "1:00:00")
        #expect(clockText(3725) == "1:02:05")
        #expect(clockText(-3) == "0:00")
        #expect(clockText(.nan) == "0:00")
        #expect(clockText(.infinity) == "999999:59:59")
    }

    @Test func clockTextForTimePlayedCountsWholeSeconds() {
        #expect(clockText(59.9, rounding: .down) == "0:59")
        #expect(clockText(3600.99, rounding: .down) == "1:00:00")
    }

    @Test func lengthTextShowsTenthsUnderTenSeconds() {
        #expect(lengthText(4.26) == "4.3s")
        #expect(lengthText(0.04) == "0.0s")
        #expect(lengthText(9.94) == "9.9s")
        #expect(lengthText(10) == "0:10")
        #expect(lengthText(90) == "1:30")
    }

    @Test func percentTextClampsAndRounds() {
        #expect(percentText(0.695) == "70%")
        #expect(percentText(0) == "0%")
        #expect(percentText(1.4) == "100%")
        #expect(percentText(-0.2) == "0%")
    }

    @Test func numberTextDropsTrailingZeros() {
        #expect(numberText(20) == "20")
        #expect(numberText(2.5) == "2.5")
        #expect(numberText(-1) == "-1")
        #expect(numberText(0.01) == "0.01")
    }

    @Test func decimalTextHasExactlyTheDecimalsAskedFor() {
        #expect(decimalText(2.25, 1) == "2.3")
        #expect(decimalText(0.0625, 3) == "0.063")
        #expect(decimalText(3909.4, 0) == "3909")
        #expect(decimalText(17.0, 1) == "17.0")
        #expect(decimalText(0.05, 2) == "0.05")
        // A negative that rounds to zero loses its sign; one that does not keeps it.
        #expect(decimalText(-0.004, 2) == "0.00")
        #expect(decimalText(-1.5, 0) == "-2")
        #expect(decimalText(.nan, 1) == "-")
        #expect(decimalText(.infinity, 2, nonFinite: nil) == "inf")
        #expect(decimalText(-.infinity, 2, nonFinite: nil) == "-inf")
        #expect(decimalText(.nan, 2, nonFinite: nil) == "nan")
    }
}
