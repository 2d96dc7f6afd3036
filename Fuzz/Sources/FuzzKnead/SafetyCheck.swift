import FuzzSupport
@testable import KneadCore

/// The safety envelope's rules (KneadCore's SafetyRuleChecker, as the tests use it),
/// checked on every frame a fuzz target gets out of `SafeFrames`. A violation traps, so
/// libFuzzer keeps the input as a crash.
public enum SafetyCheck {
    /// Renders `timeline` at `rate` Hz through a fresh envelope with `limits` and checks
    /// every frame. The session cap in `limits` bounds the work.
    @discardableResult
    public static func run(_ timeline: Timeline, limits: SafetyLimits, rate: Double = 10, label: String) -> [Frame] {
        let watch = EndWatch()
        let envelope = SafetyEnvelope(limits: limits)
        // Bounded: the session cap plus the final ramp, and a margin; a stream that
        // does not end by then is a bug too.
        let bound = Int((min(timeline.duration, limits.sessionCap) + limits.endRamp + 5) * rate) + 1000
        var frames: [Frame] = []
        frames.reserveCapacity(min(bound, 100_000))
        var iterator = WatchedFrames(base: timeline.frames(rate: rate).makeIterator(), watch: watch)
            .safe(through: envelope, period: 1 / rate).makeIterator()
        while let safe = iterator.next() {
            frames.append(safe.frame)
            watch.emitted = frames.count
            fuzzCheck(frames.count <= bound, "\(label): the safe stream does not end after \(bound) frames")
        }
        var endIndex = watch.endIndex
        if envelope.reachedSessionCap { endIndex = nil }
        let violations = SafetyRuleChecker(limits: limits, endIndex: endIndex).violations(frames)
        fuzzCheck(violations.isEmpty, "\(label): safety rule broken: \(violations)")
        return frames
    }
}

/// Notes how many frames had come out when the base stream ran out.
final class EndWatch {
    var emitted = 0
    var endIndex: Int?
}

struct WatchedFrames<Base: IteratorProtocol>: Sequence, IteratorProtocol where Base.Element == Frame {
    var base: Base
    let watch: EndWatch
    mutating func next() -> Frame? {
        guard let frame = base.next() else {
            if watch.endIndex == nil { watch.endIndex = watch.emitted }
            return nil
        }
        return frame
    }
}
