import Foundation
import KneadCore

/// Bounds what a pattern expands to once its repeats are unrolled, so a file of a few
/// lines (`repeat: 1000` nested sixteen deep) cannot hand the compiler a bomb.
/// Counted arithmetically from the structure, never by unrolling.
enum Expansion {
    /// The compiler's own limit, checked here first so the error points at the repeat.
    static let maxSteps = Compiler.maximumExpandedSteps
    static let maxDuration: Double = 24 * 3600

    /// The length of one step before travel between zones is added: what it says,
    /// or what its defaults give.
    static func nominalDuration(of step: Step) -> Double {
        let p = step.parameters, d = TechniqueDefaults.defaults(step.technique)
        if let duration = p.duration { return duration }
        switch step.technique {
        case .effleurage, .deepTissue:
            return Double(p.strokes ?? d.strokes ?? 1) * (p.stroke ?? d.stroke ?? 0)
        case .triggerPoint:
            return (p.hold ?? d.hold ?? 0) + (p.after ?? d.after ?? 0)
        case .script:
            return p.script?.points.last?.time ?? 0
        default:
            return d.duration ?? 0
        }
    }

    static func check(_ pattern: Pattern, stepsLocation: SourceLocation, reader: NodeReader) {
        let total = measure(pattern.items, reader: reader)
        guard !total.reported else { return }
        if let problem = problem(steps: total.steps, seconds: total.seconds, subject: "the pattern") {
            reader.error(stepsLocation, problem)
        }
    }

    private struct Size {
        var steps: Double = 0
        var seconds: Double = 0
        var reported = false
    }

    /// Doubles: 1000¹⁶ steps is a number, not an overflow.
    private static func measure(_ items: [PatternItem], reader: NodeReader) -> Size {
        var size = Size()
        for item in items {
            switch item {
            case let .step(step):
                size.steps += 1
                size.seconds += nominalDuration(of: step)
            case let .repeat(count, inner, location):
                let one = measure(inner, reader: reader)
                let steps = one.steps * Double(count), seconds = one.seconds * Double(count)
                if !one.reported, let problem = problem(steps: steps, seconds: seconds, subject: "this repeat") {
                    reader.error(location, problem, hint: "lower the repeat count")
                    size.reported = true
                }
                size.reported = size.reported || one.reported
                size.steps += steps
                size.seconds += seconds
            }
        }
        return size
    }

    private static func problem(steps: Double, seconds: Double, subject: String) -> String? {
        if steps > Double(maxSteps) {
            return "\(subject) expands to \(count(steps)) steps, more than the \(maxSteps) a pattern may have"
        }
        if seconds > maxDuration {
            return "\(subject) lasts \(Durations.describe(seconds)), longer than the 24 h a pattern may last"
        }
        return nil
    }

    private static func count(_ value: Double) -> String {
        value < 1e15 ? String(Int(value)) : String(format: "%.1e", value)
    }
}

/// Durations as a person reads them: `45 s`, `14 min 10 s`, `2 h 5 min`.
enum Durations {
    static func describe(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "forever" }
        if seconds >= 1e9 { return String(format: "%.1e s", seconds) }
        let whole = Int(seconds.rounded())
        let hours = whole / 3600, minutes = (whole % 3600) / 60, secs = whole % 60
        if hours > 0 { return minutes > 0 ? "\(hours) h \(minutes) min" : "\(hours) h" }
        if minutes > 0 { return secs > 0 ? "\(minutes) min \(secs) s" : "\(minutes) min" }
        if whole == 0, seconds > 0 { return "\(Values.format((seconds * 1000).rounded())) ms" }
        return "\(secs) s"
    }
}
