import KneadCore
@testable import KneadPlayer
import Testing

/// What a person reads while playing: the progress line and the live view's times.
@Suite struct StatusTextTests {
    func status(phase: PlayStatus.Phase, elapsed: Double, duration: Double, technique: Technique = .rest) -> PlayStatus {
        PlayStatus(patternName: "Test", deviceName: "chair", simulated: true, timeScale: 1, phase: phase,
                   elapsed: elapsed, duration: duration, step: nil, stepCount: 2, technique: technique,
                   target: .point(.restPosition),
                   requested: .init(intensity: 0, pressure: 0, position: .restPosition), actual: nil,
                   personCap: 1, hasPressure: true, hasPosition: true)
    }

    @Test func theTimeLeftIsNeverMoreThanTheLength() {
        // 51.4 s: the length shows as 0:51, so the time left at the start must too.
        let start = status(phase: .starting, elapsed: 0, duration: 51.4)
        #expect(start.remainingText == "0:51")
        #expect(status(phase: .playing, elapsed: 0.5, duration: 51.4).remainingText == "0:51")
        #expect(status(phase: .playing, elapsed: 10, duration: 51.4).remainingText == "0:42")
        #expect(status(phase: .finished, elapsed: 51.4, duration: 51.4).remainingText == "0:00")
    }

    @Test func stoppingIsSaidOnce() {
        let line = ProgressLine.text(status(phase: .stopping, elapsed: 19, duration: 776))
        #expect(line == "knead: 0:19 of 12:56 (2%) stopping, intensity 0%, cap 100%\n")
        let ramp = ProgressLine.text(status(phase: .rampingOut, elapsed: 776, duration: 776))
        #expect(ramp == "knead: 12:56 of 12:56 (100%) ramping out, intensity 0%, cap 100%\n")
        let paused = ProgressLine.text(status(phase: .paused, elapsed: 60, duration: 776, technique: .warmUp))
        #expect(paused == "knead: 1:00 of 12:56 (7%) warm-up, intensity 0%, cap 100%, paused\n")
    }
}
