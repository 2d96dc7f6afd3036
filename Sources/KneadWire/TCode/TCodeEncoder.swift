/// Turns per-tick channel values into TCode v0.3 lines (docs/tcode.md).
///
/// One line per tick, `\n`-terminated, with every mapped axis whose encoded value changed
/// since the last line (the first line after start, `reset` or `stop` has all of them),
/// separated by spaces, in axis order. With `.ramp` timing each command carries
/// `I<ms>`, the interval since the previous tick, so the device moves over exactly one
/// tick; with `.live` the firmware's own smoothing applies.
///
/// `startRamp` eases into the first position: a device's axes are wherever they were,
/// and a bare `L10000` moves one across its whole range at full speed. The first line
/// after start, `reset` or `stop` says `I<startRamp>`, and every line until that ramp
/// ends says the time left of it (at least a tick), so later targets are reached at
/// the ramp's end, not one tick later.
///
/// Host side only (`package`): what reaches a device goes through the drivers, after
/// the safety envelope.
package struct TCodeEncoder: Sendable {
    package enum Timing: Sendable, Equatable {
        /// `L05000`: the device applies its own short ramp.
        case live
        /// `L05000I10`: move over the time since the previous tick.
        case ramp
    }

    package let axes: TCodeAxisMap
    package let digits: Int
    package let timing: Timing
    /// 10^digits: the magnitude that would mean 1.0 (never sent; 1.0 sends scale − 1).
    package let scale: Int

    /// Milliseconds of the ease into the first position; nil: none.
    package var startRamp: Int?

    private var lastMagnitudes: [Int?]
    private var lastTime: Double?
    /// When the ease into the first position ends (seconds, the ticks' time).
    private var rampEnd: Double?

    package init(axes: TCodeAxisMap, digits: Int = 4, timing: Timing = .live, startRamp: Int? = nil) throws(TCodeError) {
        guard (2...4).contains(digits) else { throw .invalidDigits(digits) }
        self.axes = axes
        self.digits = digits
        self.timing = timing
        self.startRamp = startRamp.flatMap { $0 > 0 ? $0 : nil }
        var scale = 1
        for _ in 0..<digits { scale *= 10 }
        self.scale = scale
        lastMagnitudes = Array(repeating: nil, count: axes.entries.count)
    }

    /// The value as TCode digits: [0, 1) of 10^digits, rounded, 1.0 and above as all
    /// nines, below 0 and NaN as 0.
    package func magnitude(_ value: Double) -> Int {
        guard value > 0 else { return 0 }
        let scaled = (value * Double(scale)).rounded()
        return scaled >= Double(scale - 1) ? scale - 1 : Int(scaled)
    }

    /// `L0` and 5000 with 4 digits → `L05000`.
    package func command(_ axis: TCodeAxis, magnitude: Int) -> String {
        let text = String(magnitude)
        return axis.description + String(repeating: "0", count: max(0, digits - text.count)) + text
    }

    /// The line for the tick at `time` (seconds), or nil when no axis changed. Axes of
    /// the kinds in `resending` go out even when unchanged (the vibration refresh).
    package mutating func encode(_ values: ChannelValues, at time: Double,
                                 resending: Set<TCodeAxis.Kind> = []) -> String? {
        var interval: Int?
        if timing == .ramp, let lastTime {
            let milliseconds = ((time - lastTime) * 1000).rounded()
            if milliseconds >= 1 && milliseconds < 1e9 { interval = Int(milliseconds) }
        }
        if let startRamp {
            if lastTime == nil { rampEnd = time + Double(startRamp) / 1000 }
            if let rampEnd, rampEnd > time {
                let left = Int(((rampEnd - time) * 1000).rounded())
                if left >= 1 { interval = max(interval ?? 0, left) }
            } else {
                rampEnd = nil
            }
        }
        lastTime = time
        var commands: [String] = []
        for (index, entry) in axes.entries.enumerated() {
            let value = magnitude(values[entry.channel])
            if lastMagnitudes[index] == value, !resending.contains(entry.axis.kind) { continue }
            lastMagnitudes[index] = value
            var text = command(entry.axis, magnitude: value)
            if let interval { text += "I\(interval)" }
            commands.append(text)
        }
        return commands.isEmpty ? nil : commands.joined(separator: " ") + "\n"
    }

    /// Forgets what was sent: the next line has every axis, and the ease into the
    /// first position (`startRamp`) begins again.
    package mutating func reset() {
        lastMagnitudes = Array(repeating: nil, count: axes.entries.count)
        lastTime = nil
        rampEnd = nil
    }

    /// The stop sequence: `DSTOP` (vibration to 0, linear and rotary axes hold), then the
    /// vibration axes at zero on one line, in case the firmware's DSTOP does less. The
    /// encoder is reset, so the next line sends every axis and eases in again. No
    /// leading newline: the drivers never leave a cut line for it to end (a cut
    /// `L05400I10 V09` ended by a newline would set V0 to 0.9).
    package mutating func stop() -> String {
        reset()
        let zeros = axes.vibrationAxes.map { command($0, magnitude: 0) }
        return "DSTOP\n" + (zeros.isEmpty ? "" : zeros.joined(separator: " ") + "\n")
    }
}
