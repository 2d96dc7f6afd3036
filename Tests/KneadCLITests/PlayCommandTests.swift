import Foundation
import Testing

/// `knead play` run as a person would: the real binary, the built-in simulator
/// playing faster than real time, a trace of what the device did.
extension PlayTests {
    @Suite("the binary, not in a terminal")
    struct Command {
        /// Every setpoint and output the trace records, which every way out must leave at zero.
        static let zeroColumns = ["set_intensity", "set_pressure", "set_heat", "intensity", "pressure"]

        @Test("SIGINT stops at once: exit 130, the summary, the device and the trace end at zero")
        func interruptedBySIGINT() throws {
            let directory = try temporaryFolder()
            let pattern = try PlayFixtures.write(PlayFixtures.long, named: "long.yaml", in: directory)
            let tracePath = directory.appendingPathComponent("trace.csv").path
            let play = try KneadProcess(["play", pattern, "--time-scale", "20", "--json", "--trace", tracePath],
                                        in: directory)
            // With --json the progress lines go to stderr, one every 2 s: the second means it
            // has played for a while (40 s of pattern at ×20), past the soft start.
            let started = play.waitFor(seconds: 15) { play.stderrSoFar.components(separatedBy: "knead: ").count > 2 }
            #expect(started, "no second progress line on stderr: \(play.stderrSoFar)")
            play.signal(SIGINT)
            let run = play.finish()

            #expect(run.status == 130, "stderr: \(run.stderr)")
            let summary = try parseSummary(run.stdout)
            #expect(summary["outcome"] as? String == "interrupted")
            #expect(summary["cause"] as? String == "ctrl-c")
            #expect(summary["exitCode"] as? Int == 130)
            #expect(summary["deviceAtZero"] as? Bool == true)
            #expect(summary["simulated"] as? Bool == true)
            #expect(summary["timeScale"] as? Double == 20)
            #expect(summary["rate"] as? Double == 100)
            #expect(summary["trace"] as? String == tracePath)
            // Interrupted part way: something played, not all of it.
            let played = try #require(summary["playedSeconds"] as? Double)
            let duration = try #require(summary["durationSeconds"] as? Double)
            #expect(played > 0 && played < duration)
            #expect((summary["framesSent"] as? Int ?? 0) > 0)
            // The first Ctrl-C ramps to zero within the stop ramp (250 ms of pattern time, 12.5 ms
            // real at ×20), then stops the device; the summary says so.
            #expect(summary["wayOut"] as? String == "ramp")
            #expect(summary["schemaVersion"] as? Int == 2)
            let ramp = try #require(summary["rampMilliseconds"] as? Double)
            #expect(ramp > 0 && ramp <= 250.0 / 20 + 1)
            #expect(summary["signalToStopMilliseconds"] as? Double != nil)
            let lateness = try #require(summary["latenessMicroseconds"] as? [String: Any])
            for key in ["p50", "p99", "p999", "max"] { #expect(lateness[key] as? Double != nil, "lateness \(key)") }
            let deviceError = try #require(summary["deviceError"] as? [String: Any])
            #expect(deviceError["timingMilliseconds"] as? [String: Any] != nil)
            #expect(deviceError["positionMillimetres"] as? [String: Any] != nil, "the chair has a roller")

            let trace = try Trace(path: tracePath)
            #expect(trace.header.first == "time")
            let last = try #require(trace.rows.last)
            for column in Self.zeroColumns {
                #expect(trace.value(column, in: last) == "0.0000", "\(column) in the last trace row: \(last)")
            }
            // The device was told to stop (the trace marks it), and it was moving before.
            #expect(trace.rows.contains { trace.value("event", in: $0)?.contains("stop") == true })
            #expect(trace.rows.contains { Double(trace.value("intensity", in: $0) ?? "") ?? 0 > 0.1 })
        }

        @Test("SIGTERM stops the same way, with exit 143")
        func terminatedBySIGTERM() throws {
            let directory = try temporaryFolder()
            let pattern = try PlayFixtures.write(PlayFixtures.long, named: "long.yaml", in: directory)
            let play = try KneadProcess(["play", pattern, "--time-scale", "20", "--json"], in: directory)
            #expect(play.waitFor(seconds: 15) { play.stderrSoFar.components(separatedBy: "knead: ").count > 2 })
            play.signal(SIGTERM)
            let run = play.finish()

            #expect(run.status == 143, "stderr: \(run.stderr)")
            let summary = try parseSummary(run.stdout)
            #expect(summary["outcome"] as? String == "terminated")
            #expect(summary["cause"] as? String == "SIGTERM")
            #expect(summary["deviceAtZero"] as? Bool == true)
        }

        @Test("A pattern played to its end exits 0, with the device and the trace at zero")
        func playsToTheEnd() throws {
            let directory = try temporaryFolder()
            let pattern = try PlayFixtures.write(PlayFixtures.short, named: "short.yaml", in: directory)
            let tracePath = directory.appendingPathComponent("trace.csv").path
            let run = try playKnead(["play", pattern, "--time-scale", "20", "--json", "--trace", tracePath,
                                    "--max-intensity", "60%"], in: directory)

            #expect(run.status == 0, "stderr: \(run.stderr)")
            let summary = try parseSummary(run.stdout)
            #expect(summary["outcome"] as? String == "done")
            #expect(summary["cause"] as? String == "end of pattern")
            #expect(summary["exitCode"] as? Int == 0)
            #expect(summary["deviceAtZero"] as? Bool == true)
            #expect(summary["playedSeconds"] as? Double == summary["durationSeconds"] as? Double)
            #expect(summary["stopLatencyMilliseconds"] is NSNull, "nothing was stopped")
            #expect(summary["maxIntensityPercent"] as? Double == 60)
            // 100 Hz over the whole pattern (and its ramp out): at least duration × rate frames.
            let duration = try #require(summary["durationSeconds"] as? Double)
            #expect((summary["framesSent"] as? Int ?? 0) >= Int(duration * 100))

            let trace = try Trace(path: tracePath)
            let last = try #require(trace.rows.last)
            for column in Self.zeroColumns {
                #expect(trace.value(column, in: last) == "0.0000", "\(column) in the last trace row: \(last)")
            }
            // The person's cap of 60% held: no setpoint above it.
            let peak = trace.rows.compactMap { Double(trace.value("set_intensity", in: $0) ?? "") }.max() ?? 0
            #expect(peak > 0 && peak <= 0.6)
        }

        @Test("Soft start and ramp out come from the envelope (real time, a 3-second pattern)")
        func softStartAndRampOut() throws {
            let directory = try temporaryFolder()
            let pattern = try PlayFixtures.write(PlayFixtures.brief, named: "brief.yaml", in: directory)
            let tracePath = directory.appendingPathComponent("trace.csv").path
            let run = try playKnead(["play", pattern, "--json", "--trace", tracePath], in: directory)
            #expect(run.status == 0, "stderr: \(run.stderr)")

            let trace = try Trace(path: tracePath)
            let levels = trace.rows.compactMap { row -> (time: Double, level: Double)? in
                guard let time = Double(trace.value("time", in: row) ?? ""),
                      let level = Double(trace.value("set_intensity", in: row) ?? "") else { return nil }
                return (time, level)
            }
            #expect(levels.first?.level == 0, "starts from zero")
            #expect(levels.last?.level == 0, "ends at zero")
            // The pattern asks for 40 % at once; the 3 s soft start keeps it well below
            // for a pattern that is over before the soft start is.
            let peak = levels.map(\.level).max() ?? 0
            #expect(peak > 0 && peak < 0.4, "peak \(peak)")
            // No step anywhere faster than the chair's intensity slew limit (2 full scale
            // a second) over the rows' interval, allowing 50 ms of host scheduling delay
            // and one of the device's 256 steps: up and down ramp, never jump.
            var jumps: [String] = []
            for (before, after) in zip(levels, levels.dropFirst()) {
                let allowed = 2.0 * (after.time - before.time + 0.05) + 1.0 / 255
                if abs(after.level - before.level) > allowed { jumps.append("\(before) → \(after)") }
            }
            #expect(jumps.isEmpty, "setpoint jumps: \(jumps)")
        }

        @Test("Not a terminal: a plain progress line, then the summary a person reads")
        func plainProgressAndTextSummary() throws {
            let directory = try temporaryFolder()
            let pattern = try PlayFixtures.write(PlayFixtures.short, named: "short.yaml", in: directory)
            let run = try playKnead(["play", pattern, "--time-scale", "20"], in: directory)

            #expect(run.status == 0, "stderr: \(run.stderr)")
            #expect(!run.stdout.contains("\u{1B}"), "no escape sequences when stdout is not a terminal")
            let lines = run.stdout.split(separator: "\n").map(String.init)
            #expect(lines.first?.hasPrefix("knead: 0:00 of 0:22") == true, "first line: \(lines.first ?? "")")
            #expect(lines.contains("knead: Short test: played to the end; the device is at zero."))
            for label in ["played", "frames", "lateness", "cpu", "your cap", "answered", "device"] {
                #expect(lines.contains { $0.hasPrefix("  \(label) ") }, "summary line '\(label)'")
            }
        }

        @Test("A missing pattern file exits 66")
        func missingFile() throws {
            let directory = try temporaryFolder()
            let run = try runKnead(["play", directory.appendingPathComponent("nowhere.yaml").path], in: directory)
            #expect(run.status == 66)
            #expect(run.stderr.contains("nowhere.yaml"))
            #expect(run.stdout.isEmpty)
        }

        @Test("An invalid pattern exits 65 with its diagnostic, and plays nothing")
        func invalidPattern() throws {
            let directory = try temporaryFolder()
            let pattern = try PlayFixtures.write(PlayFixtures.invalid, named: "bad.yaml", in: directory)
            let tracePath = directory.appendingPathComponent("trace.csv").path
            let run = try runKnead(["play", pattern, "--trace", tracePath], in: directory)
            #expect(run.status == 65)
            #expect(run.stderr.contains("bad.yaml:3:5: error: unknown technique 'efleurage' (did you mean 'effleurage'?)"))
            #expect(run.stdout.isEmpty)
            #expect(!FileManager.default.fileExists(atPath: tracePath), "nothing played, no trace")
        }

        @Test("Bad options exit 64 with a message", arguments: [
            (["--rate", "0"], "--rate"),
            (["--rate", "5000"], "--rate"),
            (["--time-scale", "0"], "--time-scale"),
            (["--time-scale", "nan"], "--time-scale"),
            (["--max-intensity", "0.6"], "60%"),
            (["--max-intensity", "150%"], "--max-intensity"),
            (["--device", "toaster"], "toaster"),
            (["--frobnicate"], "frobnicate"),
            (["--fault", "wobble=3"], "--fault"),
        ])
        func badOptions(options: [String], mentioned: String) throws {
            let directory = try temporaryFolder()
            let pattern = try PlayFixtures.write(PlayFixtures.short, named: "short.yaml", in: directory)
            let run = try runKnead(["play", pattern] + options, in: directory)
            #expect(run.status == 64, "stderr: \(run.stderr)")
            #expect(run.stderr.contains(mentioned), "stderr: \(run.stderr)")
            #expect(run.stdout.isEmpty)
        }

        @Test("A device that fails while playing: exit 74, the error, and the device still ends at zero")
        func deviceFailsWhilePlaying() throws {
            let directory = try temporaryFolder()
            let pattern = try PlayFixtures.write(PlayFixtures.long, named: "long.yaml", in: directory)
            let tracePath = directory.appendingPathComponent("trace.csv").path
            let run = try playKnead(["play", pattern, "--time-scale", "20", "--json", "--trace", tracePath,
                                     "--fault", "hangup=3s"], in: directory)
            #expect(run.status == 74, "stderr: \(run.stderr)")
            #expect(run.stderr.contains("knead: error: device disconnected"))
            let summary = try parseSummary(run.stdout)
            #expect(summary["outcome"] as? String == "io-error")
            #expect((summary["error"] as? String)?.contains("hung up") == true)
            #expect((summary["framesSent"] as? Int ?? 0) > 0, "it played until the link went down")
            // The host could no longer reach it: the device's own watchdog took it to zero.
            #expect(summary["deviceAtZero"] as? Bool == true)
            let deviceError = try #require(summary["deviceError"] as? [String: Any])
            #expect(deviceError["watchdogFirings"] as? Int == 1)
            let trace = try Trace(path: tracePath)
            #expect(trace.rows.contains { trace.value("event", in: $0) == "watchdog" })
        }

        @Test("A serial port that is not there exits 69; --time-scale is refused for a real device (64)")
        func realDeviceWays() throws {
            let directory = try temporaryFolder()
            let pattern = try PlayFixtures.write(PlayFixtures.short, named: "short.yaml", in: directory)
            let missing = try playKnead(["play", pattern, "--port", "/dev/knead-no-such-port", "--device", "tcode-vibrator",
                                         "--json"], in: directory)
            #expect(missing.status == 69, "stderr: \(missing.stderr)")
            let summary = try parseSummary(missing.stdout)
            #expect(summary["outcome"] as? String == "device-unavailable")
            #expect(summary["simulated"] as? Bool == false)
            #expect(summary["framesSent"] as? Int == 0)

            for option in [["--time-scale", "20"], ["--trace", "trace.csv"], ["--fault", "drop=1%"]] {
                let refused = try playKnead(["play", pattern, "--port", "/dev/knead-no-such-port",
                                             "--device", "tcode-vibrator"] + option, in: directory)
                #expect(refused.status == 64, "\(option): \(refused.stderr)")
                #expect(refused.stderr.contains(option[0]), "\(option): \(refused.stderr)")
            }
        }

        @Test("A trace file that cannot be created exits 73 before anything plays")
        func traceCannotBeCreated() throws {
            let directory = try temporaryFolder()
            let pattern = try PlayFixtures.write(PlayFixtures.short, named: "short.yaml", in: directory)
            let run = try playKnead(["play", pattern, "--json", "--trace", "/nonexistent-folder/trace.csv"], in: directory)
            #expect(run.status == 73, "stderr: \(run.stderr)")
            let summary = try parseSummary(run.stdout)
            #expect(summary["outcome"] as? String == "cannot-create")
            #expect(summary["framesSent"] as? Int == 0)
        }
    }
}
