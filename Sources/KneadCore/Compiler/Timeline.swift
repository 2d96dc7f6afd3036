/// A compiled pattern: what the device should do at every instant, as a function of
/// time, plus the step table a person reads. Sample it with `frames(rate:)`.
///
/// OWNER: compiler. Public API fixed; internals free.
///
/// Inside, a timeline is a sorted array of segments (see Segment.swift): small plain
/// values, one per piece of work, travel or pause, each a closed-form function of
/// time. Their number depends on the pattern only — never on the rate it is sampled
/// at or on how long it plays — and copying a timeline copies a few array references.
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
    /// Sorted by start; each starts where the one before ends; the last ends at `duration`.
    let segments: [Segment]
    /// The segments' shape parameters and the recorded tracks script segments play.
    let plans: PlanTable

    init(name: String, duration: Double, steps: [StepInfo], segments: [Segment] = [],
         plans: PlanTable = PlanTable()) {
        self.name = name
        self.duration = duration
        self.steps = steps
        self.segments = segments
        self.plans = plans
    }

    /// How many segments the timeline holds (travel, work, pauses): what its memory
    /// grows with. Independent of the sampling rate.
    public var segmentCount: Int { segments.count }

    /// The setpoint at time t (seconds). Before 0 and after `duration`: zero, at the
    /// rest position (where the session starts and ends).
    public func frame(at t: Double) -> Frame {
        guard t >= 0, t <= duration, !segments.isEmpty else { return Frame.zero(at: t) }
        // The last segment starting at or before t.
        return segments.withUnsafeBufferPointer { segments in
            var low = 0, high = segments.count
            while high - low > 1 {
                let mid = (low + high) / 2
                if segments[mid].start <= t { low = mid } else { high = mid }
            }
            return segments[low].frame(at: t, plans: plans)
        }
    }

    /// Frames at `rate` Hz from 0 to `duration` inclusive, lazily, in constant memory.
    /// A rate that is not a positive finite number gives no frames.
    public func frames(rate: Double) -> TimelineFrames {
        TimelineFrames(timeline: self, rate: rate)
    }
}

/// A lazy sequence of frames sampled from a timeline at a fixed rate.
///
/// The iterator is a few words (array references, the rate, two counters): it
/// walks the segments forward with a cursor, so each frame costs O(1) and allocates
/// nothing, whatever the session's length.
public struct TimelineFrames: Sequence, Sendable {
    public let timeline: Timeline
    public let rate: Double

    public struct Iterator: IteratorProtocol {
        let segments: [Segment]
        let plans: PlanTable
        let duration: Double
        let rate: Double
        let count: Int
        var index = 0
        var cursor = 0

        public mutating func next() -> Frame? {
            guard index < count else { return nil }
            // index / rate, not a running sum: no drift over hours, and exact times
            // (frame 1500 at 1 kHz is at exactly 1.5 s).
            let t = Double(index) / rate
            index += 1
            guard t <= duration, !segments.isEmpty else { return Frame.zero(at: t) }
            return segments.withUnsafeBufferPointer { buffer in
                while cursor + 1 < buffer.count, buffer[cursor + 1].start <= t { cursor += 1 }
                return buffer[cursor].frame(at: t, plans: plans)
            }
        }
    }

    public func makeIterator() -> Iterator {
        var count = 0
        if rate > 0, rate.isFinite, timeline.duration >= 0 {
            let last = (timeline.duration * rate).rounded(.down)
            count = last < Double(Int.max / 2) ? Int(last) + 1 : Int.max / 2
        }
        return Iterator(segments: timeline.segments, plans: timeline.plans, duration: timeline.duration,
                        rate: rate, count: count)
    }

    /// How many frames the sequence holds.
    public var underestimatedCount: Int {
        guard rate > 0, rate.isFinite, timeline.duration >= 0 else { return 0 }
        let last = (timeline.duration * rate).rounded(.down)
        return last < Double(Int.max / 2) ? Int(last) + 1 : Int.max / 2
    }
}
