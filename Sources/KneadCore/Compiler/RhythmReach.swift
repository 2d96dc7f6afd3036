/// How far a rhythm (tapping, pulsed vibration) got on the device it was compiled
/// for. A pulse must rise and fall within its period; a device whose intensity (or
/// pressure) slews slower than that gets shallower pulses riding on a steady level
/// (Pulses.swift). This says so with the figures, so the shortfall is never silent.
public struct RhythmShortfall: Sendable, Equatable {
    public enum Channel: String, Sendable {
        case intensity, pressure
    }
    /// Index into `Timeline.steps`.
    public var step: Int
    public var technique: Technique
    public var channel: Channel
    /// Pulses per second.
    public var rate: Double
    /// The depth the technique asks for and the depth reached, as shares of the peak
    /// (tapping: 1, each tap from zero to the peak; pulsed vibration: 0.5).
    public var wanted: Double
    public var reached: Double
    /// The slew (full scale per second) the channel would need for the wanted depth.
    public var neededSlew: Double
}

extension Timeline {
    /// Every step whose rhythm came out shallower than asked, once per step and channel.
    public var rhythmShortfalls: [RhythmShortfall] {
        var found: [RhythmShortfall] = []
        for segment in segments where segment.kind == .pulses && segment.step >= 0 {
            let plan = plans.pulses[Int(segment.plan)]
            // A device that taps by itself reaches the depth: nothing falls short.
            guard plan.rate > 0, plan.percussionRate == 0 else { continue }
            let wanted = segment.technique == .tapping ? 1 : Pulses.vibrationDepth
            for (channel, peak, depth) in [(RhythmShortfall.Channel.intensity, plan.intensity, plan.intensityDepth),
                                           (.pressure, plan.pressure, plan.pressureDepth)]
            where peak > 0 && depth < wanted - 1e-9 {
                let step = Int(segment.step)
                guard !found.contains(where: { $0.step == step && $0.channel == channel }) else { continue }
                found.append(RhythmShortfall(
                    step: step, technique: segment.technique, channel: channel, rate: plan.rate, wanted: wanted,
                    reached: depth, neededSlew: peak * Double.pi * plan.rate * wanted / Shaping.rhythmSlewShare))
            }
        }
        return found
    }
}
