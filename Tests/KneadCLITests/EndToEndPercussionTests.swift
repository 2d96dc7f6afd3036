import Foundation
import Testing

/// Issue 9: a chair taps with its own mechanism, and the taps reach it over the wire as
/// rate and depth (knead wire protocol channels 5 and 6), not as intensity samples its
/// motor would flatten. `knead play --device knead-chair` on `knead sim`: the trace of
/// what the simulated chair did shows full taps at the pattern's rate.
extension EndToEndTests {
    @Suite("Percussion on the wire")
    struct Percussion {
        static let pattern = """
            pattern: Taps on the wire
            opt-in: [short-session]
            steps:
              - tapping: {zone: upper-trapezius, rate: 6Hz, duration: 20s, intensity: 50%}
            """

        @Test("6 Hz taps at 50 % reach knead-chair over the wire at full depth")
        func tapsReachTheChairAsRateAndDepth() throws {
            let folder = try temporaryFolder()
            defer { try? FileManager.default.removeItem(at: folder) }
            let pattern = try PlayFixtures.write(Self.pattern, named: "taps.yaml", in: folder)
            let tracePath = folder.appendingPathComponent("trace.csv").path
            let sim = try SimProcess(["--protocol", "kwp", "--device", "knead-chair", "--trace", tracePath,
                                      "--trace-interval", "1ms"], in: folder)
            let play = try KneadProcess(["play", pattern, "--port", sim.link, "--device", "knead-chair",
                                         "--session-cap", "9s"], in: folder).finish(within: 30)
            let summary = try sim.stop()
            #expect(play.status == 0, "knead play: \(play.stderr)\nknead sim: \(summary.stderr)")
            let kwp = try #require(summary.kwp)
            #expect(kwp.executed > 0 && kwp.watchdogTrips == 0)

            // The trace: time, set_intensity, …, intensity (what the chair did), …
            let lines = try String(contentsOfFile: tracePath, encoding: .utf8).split(separator: "\n")
            let header = try #require(lines.first).split(separator: ",", omittingEmptySubsequences: false)
            let setColumn = try #require(header.firstIndex(of: "set_intensity"))
            let actualColumn = try #require(header.firstIndex(of: "intensity"))
            let rows = lines.dropFirst().compactMap { line -> (time: Double, set: Double, actual: Double)? in
                let fields = line.split(separator: ",", omittingEmptySubsequences: false)
                guard fields.count > actualColumn, let time = Double(fields[0]), let set = Double(fields[setColumn]),
                      let actual = Double(fields[actualColumn]) else { return nil }
                return (time, set, actual)
            }
            // The level is held at 50 %: find two seconds of it and count the taps there.
            let held = rows.filter { $0.set > 0.49 }
            let start = try #require(held.first, "the level never reached 50 %").time + 0.2
            let window = held.filter { $0.time >= start && $0.time < start + 2 }
            try #require(window.count > 1500, "two seconds of trace at 1 ms: \(window.count) rows")
            var taps = 0, down = false
            for row in window {
                if row.actual < 0.05 { down = true } else if down && row.actual > 0.45 { taps += 1; down = false }
            }
            let span = (window.last?.time ?? 0) - (window.first?.time ?? 0)
            #expect(span > 1.9, "two seconds held at 50 %: \(span) s")
            #expect(abs(Double(taps) - 6 * span) <= 1, "6 full taps a second: \(taps) in \(span) s")
            let levels = window.map(\.actual)
            #expect((levels.min() ?? 1) < 0.02 && (levels.max() ?? 0) > 0.49, "full depth on the 50 % level")
        }
    }
}
