/// Pattern + device profile + body profile → timeline.
///
/// OWNER: compiler. Public API fixed; internals free.
///
/// The compiler unrolls `repeat`, fills every parameter a step leaves out from
/// `TechniqueDefaults`, asks each technique's planner for its pieces of work (see
/// Techniques/*.swift for the equations), and lays them end to end on one clock:
/// a travel wherever one piece ends somewhere else than the next begins, heat eased
/// from step to step, the session starting and ending still, at zero, at
/// `BackPoint.restPosition`. The result is a `Timeline`: a sorted array of small
/// segment values, each a closed-form function of time. docs/compiler.md tells the
/// whole story.
public enum Compiler {
    /// Most steps a pattern may play once its `repeat`s are unrolled.
    public static let maximumExpandedSteps = 10_000
    /// Longest any single time in a step may be (duration, hold, …), seconds.
    public static let maximumStepTime = 24 * 3600.0

    public static func compile(_ pattern: Pattern, device: DeviceProfile = .chair,
                               body: BodyProfile = .default) throws(CompileError) -> Timeline {
        let limits = try DeviceLimits(device: device, body: body)
        let steps = try Expansion.expand(pattern, limit: maximumExpandedSteps)
        guard !steps.isEmpty else {
            throw CompileError("the pattern has no steps to play; add at least one step", at: pattern.location)
        }
        var builder = TimelineBuilder(limits: limits)
        for (index, step) in steps.enumerated() {
            try builder.add(try resolve(step, index: index))
        }
        return builder.finish(name: pattern.name)
    }

    /// The step with every left-out parameter taken from `TechniqueDefaults`, checked.
    static func resolve(_ step: Step, index: Int) throws(CompileError) -> ResolvedStep {
        let written = step.parameters
        let d = TechniqueDefaults.defaults(step.technique)
        let merged = StepParameters(
            duration: written.duration ?? d.duration, intensity: written.intensity ?? d.intensity,
            pressure: written.pressure ?? d.pressure, zone: written.zone ?? d.zone,
            from: written.from ?? d.from, to: written.to ?? d.to, at: written.at ?? d.at,
            strokes: written.strokes ?? d.strokes, stroke: written.stroke ?? d.stroke,
            circle: written.circle ?? d.circle, hold: written.hold ?? d.hold, rate: written.rate ?? d.rate,
            breaks: written.breaks ?? d.breaks, after: written.after ?? d.after,
            heat: written.heat ?? d.heat, script: written.script ?? d.script)
        let resolved = ResolvedStep(index: index, technique: step.technique, written: written,
                                    parameters: merged, location: step.location)
        try StepCheck(resolved).run()
        return resolved
    }
}

/// Values a step must have for the compiler to plan it. The parser reports these
/// with precise columns; this check keeps the compiler safe for any caller (a
/// pattern built in code, a future importer): bad values are errors, never traps.
struct StepCheck {
    let step: ResolvedStep
    init(_ step: ResolvedStep) { self.step = step }

    func run() throws(CompileError) {
        let p = step.parameters
        try positive(p.duration, "duration")
        try positive(p.stroke, "stroke")
        try positive(p.circle, "circle")
        try positive(p.hold, "hold")
        try positive(p.rate, "rate", allowsZero: step.technique == .vibration, unit: "Hz")
        try positive(p.breaks, "breaks", allowsZero: true)
        try positive(p.after, "after", allowsZero: true)
        if let strokes = p.strokes, strokes < 1 || strokes > 100_000 {
            throw fail("strokes must be a whole number from 1 to 100000, got \(strokes)")
        }
        try level(p.intensity, "intensity")
        try level(p.pressure, "pressure")
        try level(p.heat, "heat")
        for (target, key) in [(p.zone, "zone"), (p.from, "from"), (p.to, "to"), (p.at, "at")] {
            if case let .point(point)? = target,
               !(point.x.isFinite && point.y.isFinite && (0...1).contains(point.x) && (0...1).contains(point.y)) {
                throw fail("\(key) must be a point with x and y from 0 to 1, got (\(point.x), \(point.y))")
            }
        }
        if step.technique == .triggerPoint, p.at == nil {
            throw fail("trigger-point needs `at:`, the knot to hold, e.g. at: upper-trapezius-left")
        }
        if step.technique == .script {
            guard let script = p.script else {
                throw fail("script has no recorded positions; name a funscript file, e.g. script: wave.funscript")
            }
            try track(script.points, script.path, required: true)
            if let companion = script.intensity { try track(companion, script.path + " (intensity)", required: true) }
        }
    }

    private func fail(_ message: String) -> CompileError {
        CompileError("\(step.technique.rawValue): \(message)", at: step.location)
    }

    private func positive(_ value: Double?, _ key: String, allowsZero: Bool = false,
                          unit: String = "s") throws(CompileError) {
        guard let value else { return }
        let lowOK = allowsZero ? value >= 0 : value > 0
        guard value.isFinite, lowOK, value <= Compiler.maximumStepTime || unit != "s" else {
            let range = unit == "s" ? "up to 24 h" : "finite"
            throw fail("\(key) must be \(allowsZero ? "zero or more" : "more than zero") (\(range)), got \(value)\(unit)")
        }
    }

    private func level(_ value: Double?, _ key: String) throws(CompileError) {
        guard let value else { return }
        guard value.isFinite, (0...1).contains(value) else {
            throw fail("\(key) must be from 0% to 100% (0…1), got \(value)")
        }
    }

    private func track(_ points: [ScriptTrack.Point], _ path: String, required: Bool) throws(CompileError) {
        guard !points.isEmpty else { throw fail("'\(path)' has no points") }
        var previous = -Double.infinity
        for point in points {
            guard point.time.isFinite, point.position.isFinite, point.time >= 0,
                  point.time <= Compiler.maximumStepTime else {
                throw fail("'\(path)' has a point at \(point.time) s with position \(point.position); times must be finite and 0 or more")
            }
            guard point.time >= previous else {
                throw fail("'\(path)' has points out of time order at \(point.time) s")
            }
            previous = point.time
        }
    }
}

/// A pattern that parsed but cannot be compiled (for example it expands to too many steps).
public struct CompileError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public var location: SourceLocation
    public init(_ message: String, at location: SourceLocation) {
        self.message = message
        self.location = location
    }
    public var description: String { message }
}
