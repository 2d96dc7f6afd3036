import KneadCore

/// A rhythm the device cannot render is said, not hidden (issue 9): tapping at 6 Hz on
/// a device whose intensity slews 2/s comes out as a ripple, and the pattern's author
/// should know before feeling it. One warning per step, with the figures; `--strict`
/// makes it an error like every warning.
public enum RhythmWarnings {
    public static func check(_ timeline: Timeline, device: DeviceProfile) -> [Diagnostic] {
        // Only channels the device has: a handheld's frames carry pressure it never plays.
        let shortfalls = timeline.rhythmShortfalls.filter { $0.channel == .intensity || device.pressure != nil }
        // Once per written step: a step inside a repeat runs (and falls short) each time.
        var warned: [SourceLocation] = []
        var warnings: [Diagnostic] = []
        for shortfall in shortfalls {
            guard timeline.steps.indices.contains(shortfall.step) else { continue }
            let location = timeline.steps[shortfall.step].location
            guard location != .unknown, !warned.contains(location) else { continue }
            warned.append(location)
            let all = shortfalls.filter { $0.step == shortfall.step }
            let worst = all.min { $0.reached < $1.reached } ?? shortfall
            let figures = all.map { "its \($0.channel.rawValue) needs a slew of \(slew($0.neededSlew))/s, "
                + "the device's is \(slew(slewOf($0.channel, device)))/s" }.joined(separator: "; ")
            warnings.append(.warning(
                at: location,
                "\(shortfall.technique.rawValue) at \(Values.format(shortfall.rate)) Hz reaches "
                    + "\(percent(worst.reached)) depth on \(device.name) (\(percent(worst.wanted)) asked): \(figures)",
                hint: hint(all, device)))
        }
        return warnings
    }

    private static func hint(_ shortfalls: [RhythmShortfall], _ device: DeviceProfile) -> String {
        // The fastest rate (a tenth of a hertz) at which every channel reaches its depth.
        let rate = shortfalls.map { shortfall -> Double in
            let perHertz = shortfall.neededSlew / shortfall.rate
            return perHertz > 0 ? slewOf(shortfall.channel, device) / perHertz : shortfall.rate
        }.min() ?? 0
        let slower = (rate * 10).rounded(.down) / 10
        let rateAdvice = slower >= 0.5
            ? "slow it to rate: \(Values.format(slower))Hz for full depth"
            : "no rhythm this fast reaches full depth at this level"
        return "\(rateAdvice), lower its intensity, or play it on a device that taps by itself; "
            + "docs/patterns.md, tapping"
    }

    private static func slewOf(_ channel: RhythmShortfall.Channel, _ device: DeviceProfile) -> Double {
        channel == .intensity ? device.intensity.maxSlew : device.pressure?.maxSlew ?? 0
    }

    private static func slew(_ value: Double) -> String { Values.format((value * 10).rounded(.up) / 10) }
    private static func percent(_ share: Double) -> String { "\(Int((share * 100).rounded())) %" }
}
