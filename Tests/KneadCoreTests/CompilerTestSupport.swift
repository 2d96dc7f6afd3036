@testable import KneadCore

/// Shared helpers for the compiler and technique tests.
enum CompilerFixture {
    /// A pattern of the given steps, in order.
    static func pattern(_ steps: Step..., name: String = "test") -> Pattern {
        Pattern(name: name, items: steps.map { .step($0) })
    }

    static func step(_ technique: Technique, _ parameters: StepParameters = .init(),
                     line: Int = 0) -> Step {
        Step(technique: technique, parameters: parameters, location: SourceLocation(line: line, column: 1))
    }

    static func compile(_ steps: Step..., device: DeviceProfile = .chair,
                        body: BodyProfile = .default) throws -> Timeline {
        try Compiler.compile(Pattern(name: "test", items: steps.map { .step($0) }), device: device, body: body)
    }

    /// A chair whose level channels can change almost instantly: rhythms keep their
    /// full depth, so pulses and presses can be counted from the very first one.
    static let fastChair = DeviceProfile(
        name: "fast", summary: "test chair with fast level channels", kind: .chair,
        intensity: .init(steps: 256, maxSlew: 1000), pressure: .init(steps: 256, maxSlew: 1000),
        position: .init(trackWidth: 420, trackLength: 700, maxSpeed: 120, maxAcceleration: 600, steps: 1024),
        heat: .init(channel: .init(steps: 16, maxSlew: 0.2), maxTemperature: 45, timeConstant: 30),
        maxRate: 2000)

    static func point(_ x: Double, _ y: Double) -> Target { .point(BackPoint(x: x, y: y)) }

    /// Frames of one executed step (its own, not the travel around it).
    static func frames(of step: Int, in timeline: Timeline, rate: Double = 1000) -> [Frame] {
        timeline.frames(rate: rate).filter { $0.step == Int32(step) }
    }

    /// Maximal runs of frames where `value` strictly increases: (first, last) frames.
    static func risingRuns(_ frames: [Frame], _ value: (Frame) -> Double) -> [(first: Frame, last: Frame)] {
        var runs: [(first: Frame, last: Frame)] = []
        var runStart: Frame?
        for (a, b) in zip(frames, frames.dropFirst()) {
            if value(b) > value(a) {
                if runStart == nil { runStart = a }
            } else if let s = runStart {
                runs.append((s, a))
                runStart = nil
            }
        }
        if let s = runStart, let last = frames.last { runs.append((s, last)) }
        return runs
    }

    /// Indices of strict local maxima (greater than both neighbours).
    static func localMaxima(_ values: [Double]) -> [Int] {
        guard values.count > 2 else { return [] }
        return (1..<(values.count - 1)).filter { values[$0] > values[$0 - 1] && values[$0] > values[$0 + 1] }
    }

    /// Times where `value` changes sign, linearly interpolated between frames.
    static func zeroCrossings(_ frames: [Frame], _ value: (Frame) -> Double) -> [Double] {
        var times: [Double] = []
        for (a, b) in zip(frames, frames.dropFirst()) {
            let va = value(a), vb = value(b)
            if (va < 0 && vb > 0) || (va > 0 && vb < 0) {
                times.append(a.time + (b.time - a.time) * va / (va - vb))
            }
        }
        return times
    }

    /// |a − b| ≤ tolerance.
    static func near(_ a: Double, _ b: Double, _ tolerance: Double = 1e-12) -> Bool {
        abs(a - b) <= tolerance
    }
}
