import Foundation
import KneadCore
import KneadPatternFile
import Testing

/// Two shipped patterns rendered at 10 Hz must give exactly the stored CSV. When the
/// compiler or the envelope changes on purpose, regenerate with
/// `KNEAD_UPDATE_GOLDEN=1 swift test --filter GoldenCSV`, look at the difference, and
/// commit it with the change.
@Suite("Golden CSV")
struct GoldenCSVTests {
    struct Case: Sendable, CustomStringConvertible {
        var pattern: String
        var device: DeviceProfile
        var golden: String
        var description: String { golden }
    }

    static let cases = [
        Case(pattern: "desk-reset.yaml", device: .chair, golden: "desk-reset-chair-10hz.csv"),
        Case(pattern: "handheld-quick-5.yaml", device: .handheld, golden: "handheld-quick-5-handheld-10hz.csv"),
    ]

    @Test(arguments: cases)
    func renderMatchesGolden(_ testCase: Case) throws {
        let (csv, _) = try renderCSV(pattern: testCase.pattern, device: testCase.device, rate: 10)
        if ProcessInfo.processInfo.environment["KNEAD_UPDATE_GOLDEN"] == "1" {
            try csv.write(to: Paths.goldenSource.appendingPathComponent(testCase.golden), atomically: true, encoding: .utf8)
        }
        let url = try #require(Paths.golden(testCase.golden), "golden file missing from the bundle")
        let golden = try String(contentsOf: url, encoding: .utf8)
        if csv != golden {
            let mine = csv.split(separator: "\n", omittingEmptySubsequences: false)
            let theirs = golden.split(separator: "\n", omittingEmptySubsequences: false)
            let first = zip(mine, theirs).enumerated().first { $0.element.0 != $0.element.1 }
            Issue.record("""
                \(testCase.golden) differs (\(mine.count) lines rendered, \(theirs.count) stored); first difference at \
                line \((first?.offset ?? Swift.min(mine.count, theirs.count)) + 1):
                  rendered: \(first.map { String($0.element.0) } ?? "<end>")
                  golden:   \(first.map { String($0.element.1) } ?? "<end>")
                """)
        }
    }

    /// What a person checks by eye in the golden files, checked by the machine too: the
    /// frames start at zero, follow the step table, and end at zero.
    @Test(arguments: cases)
    func goldenIsSane(_ testCase: Case) throws {
        let (csv, timeline) = try renderCSV(pattern: testCase.pattern, device: testCase.device, rate: 10)
        let lines = csv.split(separator: "\n").dropFirst().map { $0.split(separator: ",", maxSplits: 7).map(String.init) }
        let rows = lines.map { (time: Double($0[0])!, intensity: Double($0[1])!, pressure: Double($0[4])!,
                                heat: Double($0[5])!, technique: $0[6]) }
        // 10 Hz, no gaps, time in steps of 0.1 s.
        for (index, row) in rows.enumerated() {
            #expect(abs(row.time - Double(index) / 10) < 0.0005, "row \(index)")
        }
        #expect(rows.first?.intensity == 0)
        let last = try #require(rows.last)
        #expect(last.intensity == 0 && last.pressure == 0 && last.heat == 0)
        #expect(last.time >= timeline.duration - 0.1)
        // Within every step, the frames carry that step's technique, apart from the
        // travel between the two sides of a both-sides zone and friction's short breaks.
        for step in timeline.steps where step.technique != .travel && step.duration >= 1 {
            let inside = rows.filter { $0.time > step.start + 0.2 && $0.time < step.start + step.duration - 0.2 }
            let own = inside.filter { $0.technique == step.technique.rawValue }.count
            let foreign = inside.filter { ![step.technique.rawValue, "travel", "rest"].contains($0.technique) }
            #expect(foreign.isEmpty, "step \(step.index) (\(step.technique.rawValue)) holds other techniques")
            #expect(Double(own) >= 0.7 * Double(inside.count), "step \(step.index) at \(step.start)s: \(own) of \(inside.count)")
        }
        // Never above the pattern's intensity limit (70% for both).
        #expect(rows.allSatisfy { $0.intensity <= 0.7 + 1e-9 })
        if testCase.device == .handheld {
            #expect(rows.allSatisfy { $0.pressure == 0 && $0.heat == 0 })
        }
    }

    /// Rendering twice gives the same bytes.
    @Test func renderingIsDeterministic() throws {
        let first = try renderCSV(pattern: "tapotement-wake-up.yaml", device: .chair, rate: 50).csv
        let second = try renderCSV(pattern: "tapotement-wake-up.yaml", device: .chair, rate: 50).csv
        #expect(first == second)
    }
}
