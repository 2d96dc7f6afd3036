import KneadCore

/// What a picture shows besides the frames: the title and the step table.
public struct PictureSummary: Sendable {
    public struct Step: Sendable, Equatable {
        public var technique: Technique
        public var zone: String
        public var start: Double
        public var duration: Double
        public var peakIntensity: Double
        public init(technique: Technique, zone: String, start: Double, duration: Double, peakIntensity: Double) {
            self.technique = technique
            self.zone = zone
            self.start = start
            self.duration = duration
            self.peakIntensity = peakIntensity
        }
    }

    public var title: String
    /// The device profile's name, for the subtitle.
    public var device: String
    public var steps: [Step]

    public init(title: String, device: String, steps: [Step]) {
        self.title = title
        self.device = device
        self.steps = steps
    }

    /// The steps of a compiled timeline.
    public init(timeline: Timeline, device: DeviceProfile) {
        self.init(title: timeline.name, device: device.name, steps: timeline.steps.map {
            // A rest works nowhere: its target is only where the device waits.
            Step(technique: $0.technique, zone: $0.technique == .rest ? "–" : $0.target.name,
                 start: $0.start, duration: $0.duration,
                 peakIntensity: $0.peakIntensity)
        })
    }
}
