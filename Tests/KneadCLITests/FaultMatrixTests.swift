import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The fault matrix (issue 11, docs/reliability.md): one test per row that the other
/// end-to-end suites do not already hold, `knead play --port` against `knead sim
/// --protocol kwp --fault …` as two processes. Each states what must hold: the exit code,
/// a message that says what happened, the device's setpoints at zero when play is gone
/// and its motors at rest within `restBound`, and nothing left running.
extension EndToEndTests {
    @Suite("Fault matrix")
    struct FaultMatrix {
        static let pattern = "tapotement-wake-up.yaml"
        /// From play's exit to the simulated chair's motors at rest: its slowest channel
        /// (pressure, 1/s from full) plus the motor lag (80 ms) and a trace interval.
        static let restBound = 1.2

        struct Outcome {
            var play: TimedRun
            var sim: SimSummary
            var rows: [TraceRow]
        }

        struct TraceRow {
            var time: Double, setIntensity: Double, setPressure: Double, intensity: Double, pressure: Double
            var event: Substring
            var atRest: Bool { setIntensity == 0 && setPressure == 0 && intensity < 0.5 / 255 && pressure == 0 }
        }

        /// `complete`: the simulator has ended, so the last line is whole too.
        static func rows(_ path: String, complete: Bool = false) -> [TraceRow] {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
            // Only whole rows: while the simulator runs, the last line may be cut where the
            // writer's chunk ended.
            return text.split(separator: "\n").dropFirst().dropLast(complete ? 0 : 1).compactMap { line in
                let f = line.split(separator: ",", omittingEmptySubsequences: false)
                guard f.count >= 12, let time = Double(f[0]), let setIntensity = Double(f[1]),
                      let setPressure = Double(f[4]), let intensity = Double(f[6]), let pressure = Double(f[9])
                else { return nil }
                return TraceRow(time: time, setIntensity: setIntensity, setPressure: setPressure, intensity: intensity,
                                pressure: pressure, event: f[11])
            }
        }

        /// Plays the pattern against `knead sim` with `fault`; `during` acts on the running
        /// play (a signal); waits for the device to come to rest (when it played at all),
        /// then stops the simulator (or collects it, when the fault made it hang up).
        static func run(fault: String?, play arguments: [String] = ["--session-cap", "4s"],
                        sim simExtra: [String] = [], in folder: URL, simEnds: Int32? = nil,
                        during: ((KneadProcess, SimProcess) -> Void)? = nil) throws -> Outcome {
            let tracePath = folder.appendingPathComponent("trace.csv").path
            var simArguments = ["--protocol", "kwp", "--device", "knead-chair", "--trace", tracePath,
                                "--trace-interval", "5ms"]
            if let fault { simArguments += ["--fault", fault] }
            let sim = try SimProcess(simArguments + simExtra, in: folder)
            let process = try KneadProcess(["play", Paths.pattern(Self.pattern), "--port", sim.link, "--device",
                                            "knead-chair", "--json"] + arguments, in: folder)
            during?(process, sim)
            let play = process.finishTimed(within: 30)
            if simEnds == nil {
                // The trace is written in chunks (at least every second): wait for a row at rest.
                _ = sim.process.waitFor(seconds: 10) { rows(tracePath).last?.atRest ?? false }
            }
            let summary = try simEnds.map { try sim.finished(expecting: $0) } ?? sim.stop()
            return Outcome(play: play, sim: summary, rows: rows(tracePath, complete: true))
        }

        /// The device's promise when play is gone: setpoints at zero from play's exit on,
        /// motors at rest within `restBound`.
        static func expectAtRest(_ outcome: Outcome, _ row: String) {
            let ended = outcome.play.endedAt - outcome.sim.clockOrigin
            let after = outcome.rows.filter { $0.time >= ended + 0.01 }
            #expect(after.allSatisfy { $0.setIntensity == 0 && $0.setPressure == 0 },
                    "\(row): setpoints above zero after play ended")
            let rest = outcome.rows.first { $0.time >= ended && $0.atRest }
            #expect(rest != nil, "\(row): the trace never shows the motors at rest")
            if let rest {
                let seconds = max(0, rest.time - ended)
                print("fault matrix, \(row): motors at rest \(Int((seconds * 1000).rounded())) ms after play ended")
                #expect(seconds <= restBound, "\(row): at rest \(seconds) s after play ended")
            }
        }

        static func summary(_ run: TimedRun) throws -> [String: Any] { try parseSummary(run.stdout) }

        // MARK: Device side

        @Test("device hangs up at open: exit 69, 'hung up', nothing played")
        func hangUpAtOpen() throws {
            let folder = try temporaryFolder()
            defer { try? FileManager.default.removeItem(at: folder) }
            let outcome = try Self.run(fault: "hangup=0s", in: folder, simEnds: 0)
            #expect(outcome.play.status == 69, "\(outcome.play.stderr)")
            // The hang-up is seen on a read ("hung up") or, on a slow machine, a write (EIO).
            #expect(outcome.play.stderr.contains("hung up") || outcome.play.stderr.contains("EIO"), "\(outcome.play.stderr)")
            #expect(outcome.sim.ending == "hung-up" && outcome.sim.kwp?.accepted == 0)
            let neverMoved = outcome.rows.allSatisfy { $0.atRest }
            #expect(neverMoved, "the device never moved")
        }

        @Test("device hangs up as STOP reaches it (Ctrl-C): exit 130, the stop not confirmed, setpoints at zero")
        func hangUpDuringStop() throws {
            let folder = try temporaryFolder()
            defer { try? FileManager.default.removeItem(at: folder) }
            let outcome = try Self.run(fault: "hangup=stop", play: [], in: folder, simEnds: 0) { play, _ in
                _ = play.waitFor(seconds: 15) { play.stderrSoFar.contains("step 1/") }
                play.signal(SIGINT)
            }
            #expect(outcome.play.status == 130, "\(outcome.play.stderr)")
            let played = try Self.summary(outcome.play)
            #expect(played["outcome"] as? String == "interrupted")
            #expect(played["deviceAtZero"] as? Bool == false, "STOPPED never came back: not claimed")
            #expect(outcome.sim.ending == "hung-up" && (outcome.sim.kwp?.stops ?? 0) >= 1)
            // The device acted on the STOP before the line went: its last setpoints are zero.
            let stop = try #require(outcome.rows.firstIndex { $0.event.contains("stop") }, "no STOP in the trace: \(outcome.rows.filter { !$0.event.isEmpty }) \(outcome.rows.suffix(3)) \(outcome.sim.stderr)")
            let fromStop = outcome.rows[stop...]
            #expect(fromStop.allSatisfy { $0.setIntensity == 0 && $0.setPressure == 0 })
        }

        @Test("0.1 % of bytes damaged: plays to the end, no setpoint lost")
        func noiseTenthOfAPercent() throws {
            let folder = try temporaryFolder()
            defer { try? FileManager.default.removeItem(at: folder) }
            let outcome = try Self.run(fault: "noise=0.1%,seed=3", in: folder)
            #expect(outcome.play.status == 0, "\(outcome.play.stderr)")
            let summary = try Self.summary(outcome.play)
            let sent = try #require(summary["framesSent"] as? Int)
            #expect(outcome.sim.kwp?.accepted == sent && outcome.sim.kwp?.executed == sent)
            let delivery = try #require(summary["delivery"] as? [String: Int], "\(summary)")
            #expect(delivery["acknowledged"] == sent && delivery["unconfirmed"] == 0 && delivery["unsent"] == 0,
                    "\(delivery)")
            Self.expectAtRest(outcome, "noise 0.1 %")
        }

        /// 500 frames a second of the seven-channel chair need about 8 KB/s; a line paced
        /// at 57600 baud carries 5.76. The frames queue on the host, and the play's end
        /// (its STOP) discards what never went out: play must not call that a whole play.
        @Test("the line cannot carry the rate: exit 74 naming the frames that never went out, at rest")
        func theLineFallsBehind() throws {
            let folder = try temporaryFolder()
            defer { try? FileManager.default.removeItem(at: folder) }
            let outcome = try Self.run(fault: nil, play: ["--session-cap", "3s", "--rate", "500"],
                                       sim: ["--pace", "--baud", "57600"], in: folder)
            #expect(outcome.play.status == 74, "\(outcome.play.stderr)")
            #expect(outcome.play.stderr.contains("frames never went out to the device"), "\(outcome.play.stderr)")
            let summary = try Self.summary(outcome.play)
            #expect(summary["outcome"] as? String == "io-error")
            let sent = try #require(summary["framesSent"] as? Int)
            let delivery = try #require(summary["delivery"] as? [String: Int], "\(summary)")
            let acknowledged = try #require(delivery["acknowledged"]), unconfirmed = try #require(delivery["unconfirmed"])
            let unsent = try #require(delivery["unsent"])
            #expect(unsent > 0 && acknowledged + unconfirmed + unsent == sent, "\(delivery) of \(sent)")
            // What was sent and not acknowledged the device may have had.
            let accepted = try #require(outcome.sim.kwp?.accepted)
            #expect(accepted >= acknowledged && accepted <= acknowledged + unconfirmed, "the device accepted \(accepted)")
            #expect(summary["deviceAtZero"] as? Bool == true)
            Self.expectAtRest(outcome, "line behind")
        }

        @Test("10 % of bytes damaged: no IDENTIFY arrives whole; exit 69 saying the line damages bytes")
        func noiseTenPercent() throws {
            let folder = try temporaryFolder()
            defer { try? FileManager.default.removeItem(at: folder) }
            let outcome = try Self.run(fault: "noise=10%", in: folder)
            #expect(outcome.play.status == 69, "\(outcome.play.stderr)")
            #expect(outcome.play.stderr.contains("none of its answers arrived whole"), "\(outcome.play.stderr)")
            #expect(outcome.sim.kwp?.accepted == 0 && outcome.sim.deviceAtZero)
        }

        @Test("device stops acknowledging 2 s in: exit 74 'stopped answering', STOP still heard")
        func deviceStopsAcknowledging() throws {
            let folder = try temporaryFolder()
            defer { try? FileManager.default.removeItem(at: folder) }
            let outcome = try Self.run(fault: "mute=2s", play: ["--session-cap", "8s"], in: folder)
            #expect(outcome.play.status == 74, "\(outcome.play.stderr)")
            #expect(outcome.play.stderr.contains("stopped answering"), "\(outcome.play.stderr)")
            #expect((outcome.sim.kwp?.stops ?? 0) >= 1, "the device heard STOP though it could not answer")
            Self.expectAtRest(outcome, "device stops acknowledging")
        }

        @Test(arguments: [("garbage", "does not follow docs/protocol.md 3.1"),
                          ("slow", "did not answer identify"),
                          ("flood", nil)])
        func identifyAnsweredWrongly(_ fault: String, _ message: String?) throws {
            let folder = try temporaryFolder()
            defer { try? FileManager.default.removeItem(at: folder) }
            let outcome = try Self.run(fault: "identify=\(fault)", in: folder)
            if let message {
                // Nonsense or too late: a clear error at open, nothing played.
                #expect(outcome.play.status == 69, "\(outcome.play.stderr)")
                #expect(outcome.play.stderr.contains(message), "\(outcome.play.stderr)")
                #expect(outcome.sim.kwp?.accepted == 0 && outcome.sim.deviceAtZero)
            } else {
                // 16 KiB of junk and 50 answers: the junk is dropped, one answer is used.
                #expect(outcome.play.status == 0, "\(outcome.play.stderr)")
                let sent = try #require(try Self.summary(outcome.play)["framesSent"] as? Int)
                #expect(outcome.sim.kwp?.executed == sent)
                Self.expectAtRest(outcome, "identify flood")
            }
        }

        @Test("device stalls 150 ms (under its watchdog): plays on, every setpoint executed")
        func shortStall() throws {
            let folder = try temporaryFolder()
            defer { try? FileManager.default.removeItem(at: folder) }
            let outcome = try Self.run(fault: "stall=2s+150ms", in: folder)
            #expect(outcome.play.status == 0, "\(outcome.play.stderr)")
            let sent = try #require(try Self.summary(outcome.play)["framesSent"] as? Int)
            #expect(outcome.sim.kwp?.executed == sent && outcome.sim.kwp?.watchdogTrips == 0)
            Self.expectAtRest(outcome, "stall 150 ms")
        }

        @Test("device stalls 400 ms (over its watchdog): it halts itself; exit 74 naming the watchdog")
        func longStall() throws {
            let folder = try temporaryFolder()
            defer { try? FileManager.default.removeItem(at: folder) }
            let outcome = try Self.run(fault: "stall=2s+400ms", play: ["--session-cap", "6s"], in: folder)
            #expect(outcome.play.status == 74, "\(outcome.play.stderr)")
            #expect(outcome.play.stderr.contains("watchdog"), "\(outcome.play.stderr)")
            #expect(outcome.sim.kwp?.watchdogTrips == 1)
            Self.expectAtRest(outcome, "stall 400 ms")
        }

        @Test(arguments: ["1%", "-1%"])
        func deviceClockDrifts(_ drift: String) throws {
            let folder = try temporaryFolder()
            defer { try? FileManager.default.removeItem(at: folder) }
            let outcome = try Self.run(fault: "drift=\(drift)", play: ["--session-cap", "4s", "--rate", "100"], in: folder)
            #expect(outcome.play.status == 0, "\(outcome.play.stderr)")
            let sent = try #require(try Self.summary(outcome.play)["framesSent"] as? Int)
            #expect(outcome.sim.kwp?.executed == sent && outcome.sim.kwp?.late == 0)
            // The host's estimate of the device clock follows the drift: frames land on time.
            let comparison = try TraceComparison(
                render: renderedFrames(Self.pattern, device: "knead-chair", rate: 100, sessionCap: "4s"),
                trace: CSVTable(text: String(contentsOfFile: folder.appendingPathComponent("trace.csv").path,
                                             encoding: .utf8)), period: 0.01)
            print("fault matrix, clock drift \(drift): \(comparison)")
            // Until its clock samples span a second the host assumes the nominal rate, so
            // at 1 % the first second's frames land up to ~15 ms off; then the fitted rate
            // holds them to a tick. None is late: each is in the buffer before its time.
            #expect(comparison.missing <= 2 && comparison.timeMax <= 0.025, "\(comparison)")
            Self.expectAtRest(outcome, "clock drift \(drift)")
        }

        // MARK: Host side

        @Test(arguments: [[SIGINT, 130], [SIGTERM, 143], [SIGHUP, 129]] as [[Int32]])
        func aSignalStopsTheDevice(_ pair: [Int32]) throws {
            let (signal, status) = (pair[0], pair[1])
            let folder = try temporaryFolder()
            defer { try? FileManager.default.removeItem(at: folder) }
            let outcome = try Self.run(fault: nil, play: [], in: folder) { play, _ in
                _ = play.waitFor(seconds: 15) { play.stderrSoFar.contains("step 1/") }
                play.signal(signal)
            }
            #expect(outcome.play.status == status, "\(outcome.play.stderr)")
            let played = try Self.summary(outcome.play)
            #expect(played["deviceAtZero"] as? Bool == true, "STOPPED came back")
            #expect((outcome.sim.kwp?.stops ?? 0) >= 1)
            Self.expectAtRest(outcome, "signal \(signal)")
        }

        @Test("host paused (SIGSTOP) longer than the watchdog: the device ramps to zero; on SIGCONT, exit 74")
        func hostPausedPastTheWatchdog() throws {
            let folder = try temporaryFolder()
            defer { try? FileManager.default.removeItem(at: folder) }
            let outcome = try Self.run(fault: nil, play: [], in: folder) { play, sim in
                _ = play.waitFor(seconds: 15) { play.stderrSoFar.contains("step 1/") }
                play.signal(SIGSTOP)
                let tripped = sim.process.waitFor(seconds: 5) {
                    sim.process.stderrSoFar.contains("watchdog: every level at zero")
                }
                #expect(tripped, "the device's watchdog did not ramp to zero while the host was paused")
                play.signal(SIGCONT)
            }
            #expect(outcome.play.status == 74, "\(outcome.play.stderr)")
            #expect(outcome.play.stderr.contains("watchdog fired because the host fell silent"), "\(outcome.play.stderr)")
            #expect(outcome.sim.kwp?.watchdogTrips == 1)
            Self.expectAtRest(outcome, "host paused")
        }

        /// knead reads a pattern once, whole, before it plays: what happens to the file
        /// afterwards (deleted, rewritten in place with nonsense, cut to nothing) changes
        /// nothing that is playing.
        @Test("the pattern file deleted or changed while it plays: play goes on from what it read, exit 0",
              arguments: ["deleted", "rewritten", "truncated"])
        func patternDeletedWhilePlaying(change: String) throws {
            let folder = try temporaryFolder()
            defer { try? FileManager.default.removeItem(at: folder) }
            let copy = folder.appendingPathComponent("copy.yaml").path
            try FileManager.default.copyItem(atPath: Paths.pattern(Self.pattern), toPath: copy)
            let sim = try SimProcess(["--protocol", "kwp", "--device", "knead-chair"], in: folder)
            let process = try KneadProcess(["play", copy, "--port", sim.link, "--device", "knead-chair",
                                            "--session-cap", "4s", "--json"], in: folder)
            _ = process.waitFor(seconds: 15) { process.stderrSoFar.contains("moving to") }
            switch change {
            case "deleted": try FileManager.default.removeItem(atPath: copy)
            case "rewritten":
                // In place (the same inode), as an editor that does not write atomically.
                let handle = try #require(FileHandle(forWritingAtPath: copy))
                try handle.truncate(atOffset: 0)
                try handle.write(contentsOf: Data("pattern: [unclosed\nsteps: {{{\n\u{FF}".utf8))
                try handle.close()
            default: #expect(truncate(copy, 0) == 0)
            }
            let play = process.finishTimed(within: 30)
            _ = try sim.stop()
            #expect(play.status == 0, "\(play.stderr)")
            let outcome = try Self.summary(play)["outcome"] as? String
            #expect(outcome == "session-cap")
        }

        // MARK: Input

        /// Every level, pressure, heat and rate at its top, firm work on the spine: the
        /// envelope still holds every rule on every frame (docs/safety.md).
        @Test("a pattern that asks for the maximum of everything: every frame keeps the envelope's rules")
        func maximumOfEverything() throws {
            let folder = try temporaryFolder()
            defer { try? FileManager.default.removeItem(at: folder) }
            let pattern = try PlayFixtures.write("""
                pattern: Everything at its maximum
                opt-in: [short-session, shallow-rhythm, deep-tissue]
                limits: {intensity: 100%}
                steps:
                  - deep-tissue: {from: lower-ribs, to: neck-base, strokes: 2, stroke: 2s, pressure: 100%, intensity: 100%, heat: 100%}
                  - tapping: {zone: upper-trapezius, rate: 50Hz, duration: 10s, intensity: 100%, heat: 100%}
                  - trigger-point: {at: upper-trapezius-left, hold: 30s, intensity: 100%, heat: 100%}
                  - friction: {zone: spine, duration: 10s, pressure: 100%, intensity: 100%}
                  - vibration: {zone: rhomboids, rate: 100Hz, duration: 10s, intensity: 100%}
                """, named: "max.yaml", in: folder)
            let run = try runKnead(["render", pattern, "--rate", "1000", "--device", "chair"])
            #expect(run.status == 0, "\(run.stderr)")
            let table = try CSVTable(text: run.stdout)
            let intensity = try table.column("intensity"), pressure = try table.column("pressure")
            let heat = try table.column("heat"), x = try table.column("x")
            #expect(intensity.max() == 1 && pressure.max() == 1, "the maximum was asked for and given")
            for values in [intensity, pressure, heat] { #expect(values.allSatisfy { $0 >= 0 && $0 <= 1 }) }
            // The chair's slews (intensity 2/s, pressure 1/s) per millisecond frame, with the
            // CSV's four decimals of rounding.
            let steps = { (v: [Double]) in zip(v, v.dropFirst()).map { abs($1 - $0) }.max() ?? 0 }
            #expect(steps(intensity) <= 0.002 + 1e-4 && steps(pressure) <= 0.001 + 1e-4)
            let onSpine = x.indices.filter { abs(x[$0] - 0.5) < 0.03 }
            #expect(!onSpine.isEmpty && onSpine.allSatisfy { pressure[$0] <= 0.5 }, "the spine band's rule")
        }

        @Test("the simulator's trace on a full disk (/dev/full): the device plays on and says the trace stopped")
        func traceOnAFullDisk() throws {
            let folder = try temporaryFolder()
            defer { try? FileManager.default.removeItem(at: folder) }
            let sim = try SimProcess(["--protocol", "kwp", "--device", "knead-chair", "--trace", "/dev/full"], in: folder)
            let play = try KneadProcess(["play", Paths.pattern(Self.pattern), "--port", sim.link, "--device", "knead-chair",
                                         "--session-cap", "3s", "--json"], in: folder).finishTimed(within: 30)
            // The simulator ends with 74: its trace could not be written (it said so at once).
            sim.process.signal(SIGINT)
            let summary = try sim.finished(expecting: 74)
            #expect(play.status == 0, "\(play.stderr)")
            #expect(summary.stderr.contains("the trace stopped"), "\(summary.stderr)")
        }
    }
}
