import KneadSystem
import Foundation
import Glibc
import KneadCore
import KneadEngine
import KneadPlayer
import KneadSimulator
import Testing

/// The player on a virtual clock: every way out, the live controls at exact times,
/// and what the device was given, frame by frame, without a process or a sleep.
@Suite struct PlayerTests {
    let rate = 100.0

    func player(_ backend: RecordingBackend, session: PreparedSession? = nil) throws -> Player {
        Player(session: try session ?? TestPattern.session(), settings: PlaySettings(rate: rate),
               clock: VirtualClock(), backend: backend)
    }

    @Test func playsToTheEndAndRampsOut() throws {
        let backend = RecordingBackend()
        let player = try player(backend)
        let summary = player.play()
        #expect(summary.outcome == "done")
        #expect(summary.exitCode == 0)
        #expect(summary.wayOut == .ramp)
        #expect(summary.playedSeconds == summary.durationSeconds)
        let frames = backend.frames
        #expect(frames.count == summary.framesSent)
        #expect(frames.last?.intensity == 0 && frames.last?.pressure == 0)
        // Opened first, closed last; no stop was asked for, so none is sent before close.
        #expect(backend.recorded.first == .open)
        #expect(backend.recorded.last == .close)
        #expect(!backend.recorded.contains(.stop))
        #expect(summary.json.hasPrefix("{") && summary.json.contains("\"schemaVersion\":2"))
    }

    @Test func pauseAndResumeAtExactTimes() throws {
        let backend = RecordingBackend()
        let player = try player(backend)
        player.schedule(.pause, at: 70)
        player.schedule(.resume, at: 80)
        let summary = player.play()
        #expect(summary.outcome == "done")
        let frames = backend.frames
        // Paused at 70 s: down at the slew limits (pressure 1/s from at most 0.6) by 70.7 s,
        // zero until the resume at 80 s, then ramping back in.
        let held = frames.filter { $0.time >= 70.7 && $0.time < 80 }
        #expect(!held.isEmpty)
        #expect(held.allSatisfy { $0.intensity == 0 && $0.pressure == 0 })
        let before = try #require(frames.last { $0.time < 70 })
        #expect(before.intensity > 0.2)
        let after = frames.filter { $0.time > 84 && $0.time < 90 }
        #expect(after.contains { $0.intensity > 0.2 })
        // Time held at zero is added to the session: the pattern resumes where it was,
        // so the last frame comes that much later (the ramp down still played it).
        #expect(try #require(frames.last).time >= summary.durationSeconds + 9)
    }

    @Test func capChangesApplyFromTheirTimeThroughTheSlewLimit() throws {
        let backend = RecordingBackend()
        let player = try player(backend)
        player.schedule(.setCap(0.2), at: 90)
        let summary = player.play()
        #expect(summary.maxIntensityPercent == 20)
        let frames = backend.frames
        #expect(frames.contains { $0.time < 90 && $0.intensity > 0.4 })
        // 2/s intensity and 1/s pressure: at the cap within 0.4 s.
        #expect(frames.filter { $0.time >= 90.5 }.allSatisfy { $0.intensity <= 0.2 + 1e-9 && $0.pressure <= 0.2 + 1e-9 })
    }

    @Test(arguments: [
        (StopRequest.key(.quitKey), "interrupted", "q", Int32(130)),
        (StopRequest.key(.escapeKey), "interrupted", "esc", Int32(130)),
        (StopRequest.signal(SIGINT), "interrupted", "ctrl-c", Int32(130)),
        (StopRequest.signal(SIGTERM), "terminated", "SIGTERM", Int32(143)),
        (StopRequest.signal(SIGHUP), "terminated", "SIGHUP", Int32(129)),
        (StopRequest.signal(SIGQUIT), "terminated", "SIGQUIT", Int32(131)),
    ])
    func rampingWaysOutReachZeroWithinTheStopRampThenStop(request: StopRequest, outcome: String, cause: String,
                                                         exitCode: Int32) throws {
        let backend = RecordingBackend()
        let session = try TestPattern.session()
        let player = try player(backend, session: session)
        player.schedule(.stop(request), at: 100)
        let summary = player.play()
        #expect(summary.outcome == outcome)
        #expect(summary.cause == cause)
        #expect(summary.exitCode == exitCode)
        #expect(summary.wayOut == .ramp)
        let frames = backend.frames
        let ramp = session.limits.endRamp
        #expect(ramp == 0.25)
        let last = try #require(frames.last)
        #expect(last.intensity == 0 && last.pressure == 0)
        // Still working just before the stop; at zero within the ramp and a frame period.
        #expect(try #require(frames.last { $0.time < 100 }).intensity > 0.2)
        #expect(last.time <= 100 + ramp + 1 / rate + 1e-9)
        #expect(frames.filter { $0.time >= 100 }.count >= 2)
        // Then the device is stopped and closed, in that order, after the last frame.
        #expect(Array(backend.recorded.suffix(2)) == [.stop, .close])
        let rampMilliseconds = try #require(summary.rampMilliseconds)
        #expect(rampMilliseconds > 0 && rampMilliseconds <= ramp * 1000 + 10)
    }

    @Test func aSecondSignalStopsAtOnceWithoutTheRamp() throws {
        let backend = RecordingBackend()
        let player = try player(backend)
        player.schedule(.stop(.force(SIGINT)), at: 100)
        let summary = player.play()
        #expect(summary.outcome == "interrupted")
        #expect(summary.exitCode == 130)
        #expect(summary.wayOut == .immediate)
        #expect(summary.stopLatencyMilliseconds != nil)
        // No ramp: the last frame before the stop is still working, and stop follows it.
        let frames = backend.frames
        #expect(try #require(frames.last).time < 100 + 1 / rate)
        #expect(try #require(frames.last).intensity > 0.2)
        let stops = backend.recorded.filter { $0 == .stop }.count
        #expect(stops == 1)
    }

    @Test func aForceDuringTheRampCutsItShort() throws {
        let backend = RecordingBackend()
        let player = try player(backend)
        player.schedule(.stop(.key(.quitKey)), at: 100)
        player.schedule(.stop(.force(SIGINT)), at: 100.1)
        let summary = player.play()
        // The first request names the way out; the second made it immediate.
        #expect(summary.cause == "q")
        #expect(summary.wayOut == .immediate)
        let frames = backend.frames
        #expect(try #require(frames.last).time < 100.1 + 1 / rate)
        #expect(try #require(frames.last).intensity > 0)
    }

    @Test func aDeviceErrorMidPlayStopsAtOnceAndExits74() throws {
        let backend = RecordingBackend(failAt: 42)
        let player = try player(backend)
        let summary = player.play()
        #expect(summary.outcome == "io-error")
        #expect(summary.exitCode == 74)
        #expect(summary.wayOut == .immediate)
        #expect(summary.error?.contains("the test unplugged it") == true)
        #expect(abs(summary.playedSeconds - 42) < 0.05)
        #expect(backend.recorded.suffix(2) == [.stop, .close])
    }

    @Test func theSessionCapEndsTheSession() throws {
        let backend = RecordingBackend()
        let player = try player(backend, session: TestPattern.session(sessionCap: 90))
        let summary = player.play()
        #expect(summary.outcome == "session-cap")
        #expect(summary.exitCode == 0)
        let last = try #require(backend.frames.last)
        #expect(last.intensity == 0)
        #expect(last.time <= 90 + 0.25 + 1 / rate + 1e-9)
    }

    @Test func aStopBeforeOpenPlaysNothing() throws {
        let backend = RecordingBackend()
        let player = try player(backend)
        player.stop(.signal(SIGTERM))
        let summary = player.play()
        #expect(summary.outcome == "terminated")
        #expect(summary.exitCode == 143)
        #expect(backend.frames.isEmpty)
        #expect(summary.json.contains("\"wayOut\":null"))
    }
}

@Suite struct OpeningTests {
    @Test func aStopWhileTheDeviceIsBeingIdentifiedIsActedOnAtOnce() throws {
        let backend = SilentBackend()
        let player = Player(session: try TestPattern.session(), settings: PlaySettings(rate: 100), clock: VirtualClock(),
                            backend: backend)
        let opened = Locked<Bool?>(nil)
        let returned = DispatchSemaphore(value: 0)
        let thread = Thread {
            let result = player.open()
            opened.withLock { $0 = result }
            returned.signal()
        }
        thread.start()
        #expect(backend.opening.wait(timeout: .now() + 10) == .success)
        player.stop(.signal(SIGINT))
        // The open gives up at once (the silent device would hold it 30 s) and the device gets its stop.
        #expect(returned.wait(timeout: .now() + 10) == .success)
        #expect(opened.withLock { $0 } == false)
        #expect(backend.calls.contains("stop"))
        #expect(!backend.calls.contains("send"))
        let summary = player.finish()
        #expect(summary.outcome == "interrupted")
        #expect(summary.exitCode == 130)
    }
}

@Suite struct TraceTests {
    @Test func theSimulatorsTraceEndsAtZeroOnARampingWayOut() throws {
        let folder = try TestPattern.folder()
        let path = folder.appendingPathComponent("trace.csv").path
        let player = Player(session: try TestPattern.session(),
                            settings: PlaySettings(rate: 100, tracePath: path), clock: VirtualClock())
        player.schedule(.stop(.key(.quitKey)), at: 100)
        let summary = player.play()
        #expect(summary.outcome == "interrupted")
        #expect(summary.deviceAtZero == true)
        #expect(summary.trace == path)
        #expect(summary.traceError == nil)
        let rows = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(rows.first?.hasPrefix("time,set_intensity") == true)
        let last = try #require(rows.last).split(separator: ",", omittingEmptySubsequences: false)
        // set_intensity, set_pressure, set_heat, intensity, pressure: all zero at the end.
        for column in [1, 4, 5, 6, 9] { #expect(last[column] == "0.0000", "column \(column): \(last)") }
        // It was working before the stop.
        #expect(rows.dropFirst().contains { (Double($0.split(separator: ",")[6]) ?? 0) > 0.2 })
    }

    /// Every way out, on the simulated device: its own record (the trace) ends with every
    /// setpoint and every motor at zero, and marks the device's stop: after the levels
    /// reached zero for the ramping ways out, while they were still up for an immediate one.
    @Test(arguments: [
        ("end", nil, "done", true),
        ("q", PlayerAction.stop(.key(.quitKey)), "interrupted", true),
        ("SIGTERM", PlayerAction.stop(.signal(SIGTERM)), "terminated", true),
        ("second signal", PlayerAction.stop(.force(SIGINT)), "interrupted", false),
    ] as [(String, PlayerAction?, String, Bool)])
    func everyWayOutEndsTheTraceAtZero(name: String, action: PlayerAction?, outcome: String, ramps: Bool) throws {
        let folder = try TestPattern.folder()
        let path = folder.appendingPathComponent("trace.csv").path
        let player = Player(session: try TestPattern.session(),
                            settings: PlaySettings(rate: 100, tracePath: path), clock: VirtualClock())
        if let action { player.schedule(action, at: 100) }
        let summary = player.play()
        #expect(summary.outcome == outcome, "\(name)")
        #expect(summary.deviceAtZero == true, "\(name)")
        let rows = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").dropFirst()
        let last = try #require(rows.last).split(separator: ",", omittingEmptySubsequences: false)
        for column in [1, 4, 5, 6, 9] { #expect(last[column] == "0.0000", "\(name), column \(column): \(last)") }
        let stop = try #require(rows.firstIndex { $0.split(separator: ",", omittingEmptySubsequences: false).last?
            .contains("stop") == true }, "\(name): no stop in the trace")
        // How the setpoint came down, row to row (10 ms apart), up to the stop: the ramp
        // falls at most 4/s (0.6 in 250 ms: 0.04 a row, plus a step of the device's 1/255);
        // an immediate stop drops from where it was to zero in one row.
        let setIntensity = rows[...stop].compactMap { Double($0.split(separator: ",")[1]) }
        let largestDrop = zip(setIntensity, setIntensity.dropFirst()).map { $0 - $1 }.max() ?? 0
        if ramps {
            #expect(largestDrop <= 0.04 + 1.0 / 255 + 1e-9, "\(name): dropped \(largestDrop) in one row")
        } else {
            #expect(largestDrop >= 0.2, "\(name): the largest drop was only \(largestDrop)")
        }
    }

    @Test func aDeviceThatHangsUpMidPlayEndsAtZeroByItsWatchdog() throws {
        let folder = try TestPattern.folder()
        let path = folder.appendingPathComponent("trace.csv").path
        let player = Player(session: try TestPattern.session(),
                            settings: PlaySettings(rate: 100, tracePath: path,
                                                   faults: try SimulatorFaults(spec: "hangup=100s")),
                            clock: VirtualClock())
        let summary = player.play()
        #expect(summary.outcome == "io-error")
        #expect(summary.exitCode == 74)
        #expect(summary.wayOut == .immediate)
        let rows = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").dropFirst()
        let last = try #require(rows.last).split(separator: ",", omittingEmptySubsequences: false)
        for column in [1, 4, 6, 9] { #expect(last[column] == "0.0000", "column \(column): \(last)") }
    }

    @Test func aTraceOnAFullDiskIsReportedAndExits74() throws {
        let player = Player(session: try TestPattern.session(),
                            settings: PlaySettings(rate: 100, tracePath: "/dev/full"), clock: VirtualClock())
        let summary = player.play()
        #expect(summary.outcome == "done")
        #expect(summary.exitCode == 74)
        #expect(summary.traceError?.contains("No space left on device") == true)
    }
}

@Suite struct EscalationTests {
    /// A ramping stop whose ramp cannot play out (the engine's loop is stuck in a send)
    /// is made an immediate one after `rampDeadline`, and the device is told during the
    /// stuck send. Real time: about half a second.
    @Test func aRampThatCannotPlayOutBecomesAnImmediateStop() throws {
        let backend = StuckBackend(blockAt: 20)
        let player = Player(session: try TestPattern.session(), settings: PlaySettings(rate: 100), backend: backend)
        #expect(player.open())
        player.start()
        #expect(backend.stuck.wait(timeout: .now() + 10) == .success, "the send never blocked")
        player.stop(.key(.quitKey))
        let summary = player.finish()
        #expect(summary.cause == "q")
        #expect(summary.exitCode == 130)
        #expect(summary.wayOut == .immediate)
        #expect(backend.stopsDuringASend.first == true, "\(backend.stopsDuringASend)")
    }
}
