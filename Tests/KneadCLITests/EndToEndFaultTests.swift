import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `knead sim --fault` against `knead play --port`: line noise, a device that hangs up,
/// a host that is killed, a device that never answers.
extension EndToEndTests {
    @Suite("Faults between knead play and knead sim")
    struct Faults {
        static let pattern = "tapotement-wake-up.yaml"

        /// 1 % of the bytes damaged, both ways: the knead wire protocol's CRC catches
        /// every damaged frame, the host sends it again, and every frame is played.
        @Test func onePercentNoiseOverTheWireProtocolLosesNoFrame() throws {
            let folder = try temporaryFolder()
            defer { try? FileManager.default.removeItem(at: folder) }
            let tracePath = folder.appendingPathComponent("trace.csv").path
            let sim = try SimProcess(["--protocol", "kwp", "--fault", "noise=1%", "--trace", tracePath,
                                      "--trace-interval", "1ms"], in: folder)
            let play = try KneadProcess(["play", Paths.pattern(Self.pattern), "--port", sim.link, "--device", "knead-chair",
                                         "--rate", "100", "--session-cap", "4s", "--json"], in: folder).finishTimed()
            let summary = try sim.stop()
            #expect(play.status == 0, "knead play: \(play.stderr)\nknead sim: \(summary.stderr)")
            let framesSent = try #require(try parseSummary(play.stdout)["framesSent"] as? Int)
            let kwp = try #require(summary.kwp)
            print("e2e kwp with noise=1%: \(summary.corruptedBytes) bytes damaged, \(kwp.droppedFrames) frames dropped "
                  + "by the device, \(kwp.duplicates) duplicates, \(kwp.gaps) gaps; \(kwp.executed) of \(framesSent) "
                  + "setpoints executed, \(kwp.late) late")
            #expect(summary.corruptedBytes > 20 && kwp.droppedFrames > 5, "the noise did damage frames")
            #expect(kwp.accepted == framesSent && kwp.executed == framesSent)
            let comparison = try TraceComparison(
                render: renderedFrames(Self.pattern, device: "knead-chair", rate: 100, sessionCap: "4s"),
                trace: CSVTable(text: String(contentsOfFile: tracePath, encoding: .utf8)), period: 0.01)
            print("e2e kwp with noise=1%: \(comparison)")
            #expect(comparison.missing == 0)
        }

        /// TCode has no checksum: damaged lines are partly ignored or act wrongly, and
        /// play carries on to the end.
        @Test func tcodePlayCarriesOnUnderNoise() throws {
            let folder = try temporaryFolder()
            defer { try? FileManager.default.removeItem(at: folder) }
            let sim = try SimProcess(["--protocol", "tcode", "--fault", "noise=1%"], in: folder)
            let play = try KneadProcess(["play", Paths.pattern(Self.pattern), "--port", sim.link, "--device", "sr6",
                                         "--rate", "50", "--session-cap", "3s", "--json"], in: folder).finishTimed()
            let summary = try sim.stop()
            #expect(play.status == 0, "knead play: \(play.stderr)\nknead sim: \(summary.stderr)")
            let played = try parseSummary(play.stdout)
            #expect(played["outcome"] as? String == "session-cap")
            let tcode = try #require(summary.tcode)
            print("e2e tcode with noise=1%: \(summary.corruptedBytes) bytes damaged; \(tcode.lines) lines, "
                  + "\(tcode.axisCommands) axis commands, \(tcode.invalidTokens) invalid tokens")
            #expect(summary.corruptedBytes > 10)
            #expect(tcode.axisCommands > 200)
        }

        /// The simulator hangs up 1.5 s into play: play stops within 100 ms with exit 74
        /// and says which port and why.
        @Test(arguments: [("kwp", "knead-chair"), ("tcode", "sr6")])
        func aHangUpEndsPlayWithin100Milliseconds(_ protocolName: String, _ device: String) throws {
            let folder = try temporaryFolder()
            defer { try? FileManager.default.removeItem(at: folder) }
            let sim = try SimProcess(["--protocol", protocolName, "--fault", "hangup=1500ms"], in: folder)
            let play = try KneadProcess(["play", Paths.pattern(Self.pattern), "--port", sim.link, "--device", device,
                                         "--rate", "50", "--json"], in: folder).finishTimed()
            let summary = try sim.finished(expecting: 0)
            #expect(summary.ending == "hung-up")
            let hungUpAt = summary.clockOrigin + summary.seconds
            let reaction = play.endedAt - hungUpAt
            print("e2e \(protocolName): play ended \(String(format: "%.1f", reaction * 1000)) ms after the hang-up "
                  + "(process exit, polled every ms): \(play.stderr.split(separator: "\n").last ?? "")")
            #expect(play.status == 74)
            #expect(play.stderr.contains("knead: error: device disconnected: \(sim.link)"), "\(play.stderr)")
            #expect(play.stderr.contains("hung up") || play.stderr.contains("EIO"), "\(play.stderr)")
            // The 100 ms target is measured and reported (above, and in docs/performance.md);
            // asserting it on a shared CI machine would make the test a coin toss. This catches a hang.
            #expect(reaction >= 0 && reaction <= 2, "play ended \(reaction) s after the hang-up")
        }

        /// A device that never answers its identification (the mute fault) used to hold
        /// Ctrl-C until the driver's 2 s timeout; the stop is now acted on at once.
        @Test func ctrlCWhileTheDeviceIsBeingIdentifiedIsActedOnAtOnce() throws {
            let folder = try temporaryFolder()
            defer { try? FileManager.default.removeItem(at: folder) }
            let sim = try SimProcess(["--protocol", "tcode", "--fault", "mute"], in: folder)
            let play = try KneadProcess(["play", Paths.pattern(Self.pattern), "--port", sim.link, "--device", "sr6",
                                         "--json"], in: folder)
            // The device has been asked who it is (and, muted, will never say).
            let asked = sim.process.waitFor(seconds: 10) { sim.process.stderrSoFar.contains("D1 asked") }
            #expect(asked, "knead sim saw no D1: \(sim.process.stderrSoFar)")
            let signalled = monotonicSeconds()
            play.signal(SIGINT)
            let run = play.finishTimed(within: 10)
            let reaction = run.endedAt - signalled
            print("e2e tcode, Ctrl-C during identification: play ended \(String(format: "%.0f", reaction * 1000)) ms after it")
            #expect(run.status == 130, "\(run.stderr)")
            let summary = try parseSummary(run.stdout)
            #expect(summary["outcome"] as? String == "interrupted")
            #expect(summary["framesSent"] as? Int == 0)
            // Well inside the driver's 2 s identify timeout: the wait was not sat out.
            #expect(reaction < 1.5, "play ended \(reaction) s after Ctrl-C")
            _ = try sim.stop()
        }

        /// Whether the trace so far has a row, after a watchdog mark, with the motors at rest.
        static func traceShowsRestAfterTheWatchdog(_ path: String) -> Bool {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return false }
            var tripped = false
            // Only whole rows: the last line may be cut where the writer's chunk ended.
            for row in text.split(separator: "\n").dropFirst().dropLast() {
                let fields = row.split(separator: ",", omittingEmptySubsequences: false)
                guard fields.count >= 12 else { continue }
                if fields[11].contains("watchdog") { tripped = true }
                // Columns: time, set_intensity, set_x, set_y, set_pressure, set_heat, intensity, x, y, pressure, …
                if tripped, fields[1] == "0.0000", fields[4] == "0.0000", let intensity = Double(fields[6]),
                   intensity < 0.5 / 255, fields[9] == "0.0000" {
                    return true
                }
            }
            return false
        }

        /// `knead play` killed with SIGKILL mid-play cannot stop the device: the device's
        /// own watchdog (250 ms of silence) ramps every level to zero (over 250 ms).
        @Test func aKilledHostLeavesTheDeviceAtZeroWithinItsWatchdogAndRamp() throws {
            let folder = try temporaryFolder()
            defer { try? FileManager.default.removeItem(at: folder) }
            let tracePath = folder.appendingPathComponent("trace.csv").path
            let sim = try SimProcess(["--protocol", "kwp", "--trace", tracePath, "--trace-interval", "1ms"], in: folder)
            let play = try KneadProcess(["play", Paths.pattern(Self.pattern), "--port", sim.link, "--device", "knead-chair",
                                         "--rate", "100"], in: folder)
            // Into the warm-up (intensity from 2.44 s of the pattern on): a progress line
            // (every 2 s on standard output) that reports intensity above zero.
            let playing = play.waitFor(seconds: 15) {
                play.stdoutSoFar.split(separator: "\n").contains { $0.contains("intensity") && !$0.contains("intensity 0%") }
            }
            #expect(playing, "never saw the intensity rise: \(play.stdoutSoFar)")
            let killedAt = monotonicSeconds()
            play.signal(SIGKILL)
            _ = play.finish(within: 5)
            // The device says when its watchdog's ramp has brought every level to zero.
            let atZero = sim.process.waitFor(seconds: 10) { sim.process.stderrSoFar.contains("watchdog: every level at zero") }
            #expect(atZero, "knead sim never reported zero after the watchdog: \(sim.process.stderrSoFar)")
            // Then the motors come to rest (their lag): the trace, written in chunks as it
            // goes, shows a row after the trip with intensity and pressure at zero.
            let atRest = sim.process.waitFor(seconds: 10) { Self.traceShowsRestAfterTheWatchdog(tracePath) }
            #expect(atRest, "the trace never showed the motors at rest after the watchdog")
            let summary = try sim.stop()

            let traceText = try String(contentsOfFile: tracePath, encoding: .utf8)
            let trace = try CSVTable(text: traceText)
            let time = try trace.column("time"), setIntensity = try trace.column("set_intensity")
            let setPressure = try trace.column("set_pressure"), intensity = try trace.column("intensity")
            let pressure = try trace.column("pressure")
            let killed = killedAt - summary.clockOrigin
            let watchdog = 0.25, ramp = 0.25, tick = 0.002
            let atKill = try #require(time.firstIndex { $0 >= killed })
            #expect(setIntensity[atKill] > 0, "the device was not playing when the host was killed")
            // The watchdog counts from the last packet the device *read*: one the host wrote
            // just before the kill may be read some milliseconds later on a loaded machine.
            // So the device's promise is checked from its own trip (watchdog period after
            // that packet); the whole time from the kill is reported, and bounded loosely.
            let trips = traceText.split(separator: "\n").dropFirst().compactMap { row -> Double? in
                let fields = row.split(separator: ",", omittingEmptySubsequences: false)
                return fields.last?.contains("watchdog") == true ? Double(fields[0]) : nil
            }
            let tripped = try #require(trips.first { $0 > killed }, "no watchdog event in the trace after the kill")
            print("e2e kwp, host killed: the watchdog tripped \(String(format: "%.0f", (tripped - killed) * 1000)) ms "
                  + "after the kill (period \(Int(watchdog * 1000)) ms from the last packet read)")
            // The host sends at least every 20 ms while playing, so the last packet left at
            // most that long before the kill; the upper bound only catches a hang.
            #expect(tripped - killed >= watchdog - 0.03 && tripped - killed < watchdog + 0.2)
            let zeroBy = tripped + ramp + tick
            let late = time.indices.filter { time[$0] >= zeroBy && (setIntensity[$0] != 0 || setPressure[$0] != 0) }
            let setZero = try #require(time.indices.first { time[$0] > killed && setIntensity[$0] == 0 && setPressure[$0] == 0 })
            let physicalZero = time.indices.first {
                time[$0] > killed && setIntensity[$0] == 0 && intensity[$0] < 0.5 / 255 && pressure[$0] == 0
            }
            print("e2e kwp, host killed: setpoints at zero \(String(format: "%.0f", (time[setZero] - killed) * 1000)) ms "
                  + "after the kill (bound \(Int((watchdog + ramp) * 1000)) ms), motors at rest after "
                  + (physicalZero.map { String(format: "%.0f ms", (time[$0] - killed) * 1000) } ?? "—"))
            #expect(late.isEmpty, "setpoints still above zero at \(late.prefix(3).map { time[$0] })")
            #expect(summary.kwp?.watchdogTrips == 1)
            #expect(summary.stderr.contains("watchdog: the host was silent for 250 ms"))
            #expect(summary.deviceAtZero)
        }

        /// A device that never answers (here muted) makes play give up with exit 69 after
        /// the identify timeout, saying what to check, instead of hanging.
        @Test func aDeviceThatNeverAnswersIdentifyExits69() throws {
            let folder = try temporaryFolder()
            defer { try? FileManager.default.removeItem(at: folder) }
            let sim = try SimProcess(["--protocol", "kwp", "--fault", "mute"], in: folder)
            let started = monotonicSeconds()
            let play = try KneadProcess(["play", Paths.pattern(Self.pattern), "--port", sim.link, "--device", "knead-chair"],
                                        in: folder).finishTimed(within: 10)
            let summary = try sim.stop()
            #expect(play.status == 69)
            #expect(play.stderr.contains("did not answer identify (HELLO) within 2.0 s"), "\(play.stderr)")
            #expect(play.endedAt - started < 5)
            #expect(summary.bytesFromHost > 0)
        }
    }
}
