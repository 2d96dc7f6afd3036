import KneadPictures
import Testing

/// A hostile profile once made a length too long for an Int of seconds: the clock text
/// trapped. It must read something for every Double.
struct ClockTextBoundsTests {
    @Test func clockTextNeverTraps() {
        #expect(clockText(90) == "1:30")
        #expect(clockText(3 * 3600 + 5) == "3:00:05")
        #expect(clockText(.nan) == "0:00")
        #expect(clockText(-5) == "0:00")
        #expect(clockText(.infinity).hasSuffix(":59:59"))
        #expect(clockText(1e300) == clockText(.infinity))
        #expect(clockText(.greatestFiniteMagnitude) == clockText(.infinity))
        #expect(lengthText(1e300) == clockText(.infinity))
    }
}
