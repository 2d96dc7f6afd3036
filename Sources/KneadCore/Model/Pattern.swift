/// A massage program as written in a pattern file, after parsing and before compiling.
///
/// Every value is already in base units (seconds, hertz, 0…1 levels). Parameters a
/// step leaves out are `nil`; the compiler fills them from `TechniqueDefaults`.
public struct Pattern: Sendable, Equatable {
    public var name: String
    public var description: String?
    /// The pattern's own caps; they may only lower the device's and the person's.
    public var limits: PatternLimits
    public var items: [PatternItem]
    public var location: SourceLocation
    /// `opt-in: [short-session]`: shorter than the 10 minutes aimed for on purpose.
    public var shortByDesign = false
    /// `opt-in: [shallow-rhythm]`: its rhythms (tapping, pulsed vibration) may come out
    /// shallower than written on a device that cannot follow them, and the author knows.
    public var shallowRhythmAccepted = false

    public init(name: String, description: String? = nil, limits: PatternLimits = .init(),
                items: [PatternItem], location: SourceLocation = .unknown) {
        self.name = name
        self.description = description
        self.limits = limits
        self.items = items
        self.location = location
    }
}

public struct PatternLimits: Sendable, Equatable {
    public var intensity: Level?
    public var pressure: Level?
    public var heat: Level?
    public init(intensity: Level? = nil, pressure: Level? = nil, heat: Level? = nil) {
        self.intensity = intensity
        self.pressure = pressure
        self.heat = heat
    }
}

public indirect enum PatternItem: Sendable, Equatable {
    case step(Step)
    case `repeat`(count: Int, items: [PatternItem], location: SourceLocation)
}

/// One technique step.
public struct Step: Sendable, Equatable {
    public var technique: Technique
    public var parameters: StepParameters
    public var location: SourceLocation

    public init(technique: Technique, parameters: StepParameters = .init(),
                location: SourceLocation = .unknown) {
        self.technique = technique
        self.parameters = parameters
        self.location = location
    }
}

/// Everything a step may say. Which keys each technique accepts is listed in
/// `TechniqueDefaults.accepted` and docs/patterns.md.
public struct StepParameters: Sendable, Equatable {
    /// Length of the step per area, seconds: each side of a both-sides zone is an
    /// area and gets the whole of it (docs/patterns.md, "Duration and sides").
    public var duration: Double?
    public var intensity: Level?
    public var pressure: Level?
    /// Where the step works (petrissage, friction, tapping, …).
    public var zone: Target?
    /// Stroke start and end (effleurage, deep-tissue).
    public var from: Target?
    public var to: Target?
    /// A point to hold (trigger-point).
    public var at: Target?
    /// Number of strokes per side (effleurage, deep-tissue).
    public var strokes: Int?
    /// Length of one stroke, seconds.
    public var stroke: Double?
    /// Period of one circle, seconds (petrissage, friction, trigger-point's after-circles).
    public var circle: Double?
    /// Length of a hold, seconds (trigger-point).
    public var hold: Double?
    /// Rhythm, hertz (tapping, shiatsu, vibration).
    public var rate: Double?
    /// Rest between work blocks, seconds (friction's short breaks).
    public var breaks: Double?
    /// Gentle circles after a hold, seconds (trigger-point).
    public var after: Double?
    /// Heat level during this step; any step may carry it.
    public var heat: Level?
    /// Recorded positions for `script:` steps.
    public var script: ScriptTrack?

    public init(duration: Double? = nil, intensity: Level? = nil, pressure: Level? = nil,
                zone: Target? = nil, from: Target? = nil, to: Target? = nil, at: Target? = nil,
                strokes: Int? = nil, stroke: Double? = nil, circle: Double? = nil,
                hold: Double? = nil, rate: Double? = nil, breaks: Double? = nil,
                after: Double? = nil, heat: Level? = nil, script: ScriptTrack? = nil) {
        self.duration = duration
        self.intensity = intensity
        self.pressure = pressure
        self.zone = zone
        self.from = from
        self.to = to
        self.at = at
        self.strokes = strokes
        self.stroke = stroke
        self.circle = circle
        self.hold = hold
        self.rate = rate
        self.breaks = breaks
        self.after = after
        self.heat = heat
        self.script = script
    }
}

/// Positions recorded in a funscript, already validated and scaled to 0…1.
public struct ScriptTrack: Sendable, Equatable {
    public struct Point: Sendable, Equatable {
        /// Seconds from the start of the script.
        public var time: Double
        /// 0…1
        public var position: Double
        public init(time: Double, position: Double) {
            self.time = time
            self.position = position
        }
    }
    /// The path as written in the pattern (relative to the pattern file).
    public var path: String
    /// Sorted by time, at least one point.
    public var points: [Point]
    /// Optional second track driving intensity (the `.vib.funscript` companion).
    public var intensity: [Point]?

    public init(path: String, points: [Point], intensity: [Point]? = nil) {
        self.path = path
        self.points = points
        self.intensity = intensity
    }
}
