/// A compiled pattern: what the device should do at every instant, as a function of
/// time, plus the step table a person reads. Sample it with `frames(rate:)`.
///
/// OWNER: compiler. Public API fixed; internals free.
public struct Timeline: Sendable {
    /// One row of the step table (`knead preview`, `knead check`).
    public struct StepInfo: Sendable, Equatable {
        public var index: Int
        public var technique: Technique
        public var target: Target
        public var start: Double
        public var duration: Double
        public var peakIntensity: Double
        public var peakPressure: Double
        /// Where the step is written in the pattern file.
        public var location: SourceLocation
        public init(index: Int, technique: Technique, target: Target, start: Double, duration: Double,
                    peakIntensity: Double, peakPressure: Double, location: SourceLocation) {
            self.index = index
            self.technique = technique
            self.target = target
            self.start = start
            self.duration = duration
            self.peakIntensity = peakIntensity
            self.peakPressure = peakPressure
            self.location = location
        }
    }

    public var name: String
    public var duration: Double
    public var steps: [StepInfo]

    /// The setpoint at time t (seconds). Before 0 and after `duration`: zero.
    public func frame(at t: Double) -> Frame {
        Frame.zero(at: t)
    }

    /// Frames at `rate` Hz from 0 to `duration` inclusive, lazily, in constant memory.
    public func frames(rate: Double) -> TimelineFrames {
        TimelineFrames(timeline: self, rate: rate)
    }
}

/// A lazy sequence of frames sampled from a timeline at a fixed rate.
public struct TimelineFrames: Sequence, Sendable {
    public let timeline: Timeline
    public let rate: Double

    public struct Iterator: IteratorProtocol {
        let timeline: Timeline
        let period: Double
        let count: Int
        var index = 0
        public mutating func next() -> Frame? {
            guard index < count else { return nil }
            // Multiply, not accumulate: no drift over hours.
            let t = Double(index) * period
            index += 1
            return timeline.frame(at: t)
        }
    }

    public func makeIterator() -> Iterator {
        let period = 1 / rate
        let count = Int((timeline.duration * rate).rounded(.down)) + 1
        return Iterator(timeline: timeline, period: period, count: count)
    }
}
