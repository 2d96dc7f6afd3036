/// Any frame stream made safe: every frame of `base` passes `envelope`, and the stream
/// always ends at zero.
///
/// - After `base` ends, the session cap is reached or the envelope is stopped, it stops
///   taking frames from `base` and keeps emitting frames at the same period, with the
///   position held, until intensity, pressure and heat are all zero; then it ends.
/// - While paused (`SafetyEnvelope.pause()`), once intensity and pressure are at zero,
///   it emits zero frames at the same period without taking frames from `base`, and
///   after `resume()` continues `base` where it left off, its times shifted by the pause,
///   so frame times stay the one clock the engine schedules by.
///
/// Constant memory, no allocation per frame. An empty `base` gives an empty stream.
public struct SafeFrames<Base: Sequence>: Sequence where Base.Element == Frame {
    public let base: Base
    public let envelope: SafetyEnvelope
    /// Seconds between the frames it makes itself (the final ramp, pause holds). `nil`:
    /// the last interval seen in `base`, or 10 ms before `base` has shown one.
    public let period: Double?

    public init(_ base: Base, envelope: SafetyEnvelope, period: Double? = nil) {
        self.base = base
        self.envelope = envelope
        self.period = period
    }

    /// Periods outside 1 Hz … 2 kHz are taken as the nearest end of that range.
    public static var periodRange: ClosedRange<Double> { (1.0 / 2000)...1 }
    static var fallbackPeriod: Double { 0.01 }

    public func makeIterator() -> Iterator {
        var fixedPeriod: Double?
        if let period { fixedPeriod = Self.clampedPeriod(period) }
        return Iterator(base: base.makeIterator(), envelope: envelope, fixedPeriod: fixedPeriod)
    }

    static func clampedPeriod(_ period: Double) -> Double {
        guard period.isFinite else { return periodRange.upperBound }
        return Swift.min(periodRange.upperBound, Swift.max(periodRange.lowerBound, period))
    }

    public struct Iterator: IteratorProtocol {
        var base: Base.Iterator
        let envelope: SafetyEnvelope
        let fixedPeriod: Double?
        var observedPeriod = SafeFrames.fallbackPeriod
        /// Seconds spent holding in pauses: added to every later frame of `base`.
        var pauseOffset = 0.0
        var takingFromBase = true
        var finished = false

        public mutating func next() -> SafeFrame? {
            if finished { return nil }
            let period = fixedPeriod ?? observedPeriod
            if takingFromBase && !envelope.isWinding {
                if envelope.isRestingInPause {
                    pauseOffset += period
                    return envelope.admit(Frame.zero(at: envelope.last.time + period, position: envelope.last.position))
                }
                if var frame = base.next() {
                    let previous = envelope.last.time
                    let hadStarted = envelope.hasStarted
                    frame.time += pauseOffset
                    let admitted = envelope.admit(frame)
                    let interval = admitted.time - previous
                    if hadStarted && interval > 0 {
                        observedPeriod = SafeFrames.clampedPeriod(interval)
                    }
                    return admitted
                }
                envelope.endStream()
            }
            takingFromBase = false
            // The final ramp: nothing more from base; zero frames through the envelope
            // until it is at zero (a stream that never started has nothing to ramp).
            guard envelope.hasStarted, !envelope.hasWoundDown else {
                finished = true
                return nil
            }
            return envelope.admit(Frame.zero(at: envelope.last.time + period, position: envelope.last.position))
        }
    }
}

extension SafeFrames: Sendable where Base: Sendable {}

extension Sequence where Element == Frame {
    /// This stream through `envelope`: `SafeFrames(self, envelope: envelope, period: period)`.
    public func safe(through envelope: SafetyEnvelope, period: Double? = nil) -> SafeFrames<Self> {
        SafeFrames(self, envelope: envelope, period: period)
    }
}
