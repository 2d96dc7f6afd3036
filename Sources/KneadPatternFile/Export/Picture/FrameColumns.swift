import KneadCore

/// The lowest and highest value a channel takes within one column of a picture.
public struct ValueRange: Sendable, Equatable {
    public var low: Double
    public var high: Double
    public init(low: Double, high: Double) {
        self.low = low
        self.high = high
    }
    mutating func include(_ value: Double) {
        low = Swift.min(low, value)
        high = Swift.max(high, value)
    }
}

/// Frames folded into a fixed number of columns for drawing: per column, the range of
/// each channel (min and max, so a 6 Hz tapping shows as a band, not as aliasing).
/// Memory is the number of columns, whatever the length of the session.
public struct FrameColumns: Sendable {
    public enum Channel: Sendable, CaseIterable {
        case intensity, x, y, pressure, heat
    }

    /// One column: the range of every channel, or nil where no frame fell.
    struct Column {
        var intensity, x, y, pressure, heat: ValueRange

        init(_ frame: Frame) {
            func point(_ v: Double) -> ValueRange { ValueRange(low: v.unitClamped, high: v.unitClamped) }
            intensity = point(frame.intensity); x = point(frame.x); y = point(frame.y)
            pressure = point(frame.pressure); heat = point(frame.heat)
        }

        mutating func include(_ frame: Frame) {
            intensity.include(frame.intensity.unitClamped)
            x.include(frame.x.unitClamped)
            y.include(frame.y.unitClamped)
            pressure.include(frame.pressure.unitClamped)
            heat.include(frame.heat.unitClamped)
        }

        func range(_ channel: Channel) -> ValueRange {
            switch channel {
            case .intensity: return intensity
            case .x: return x
            case .y: return y
            case .pressure: return pressure
            case .heat: return heat
            }
        }
    }

    public let count: Int
    /// The time the last column ends at, seconds.
    public let duration: Double
    private var columns: [Column?]
    /// Time of the last frame seen.
    public private(set) var lastTime: Double = 0
    public private(set) var frameCount = 0

    public init(count: Int, duration: Double) {
        self.count = Swift.max(1, count)
        self.duration = duration > 0 && duration.isFinite ? duration : 1
        columns = Array(repeating: nil, count: self.count)
    }

    /// The column a time falls into (times past the end go to the last column).
    public func column(at time: Double) -> Int {
        let position = time / duration * Double(count)
        guard position == position else { return 0 }
        return Swift.min(count - 1, Swift.max(0, Int(Swift.min(position, Double(count)))))
    }

    public mutating func add(_ frame: Frame) {
        let index = column(at: frame.time)
        lastTime = Swift.max(lastTime, frame.time)
        frameCount += 1
        if columns[index] == nil {
            columns[index] = Column(frame)
        } else {
            columns[index]!.include(frame)
        }
    }

    public func range(_ channel: Channel, column: Int) -> ValueRange? {
        columns[column]?.range(channel)
    }

    /// The ranges of a channel across all columns.
    public func ranges(of channel: Channel) -> [ValueRange?] {
        columns.map { $0?.range(channel) }
    }

    /// Whether a channel is ever above zero (heat usually is not, and is then left out).
    public func isUsed(_ channel: Channel) -> Bool {
        columns.contains { ($0?.range(channel).high ?? 0) > 0 }
    }
}

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

/// `m:ss` (or `h:mm:ss` from an hour on), rounded to the nearest second; NaN and
/// negative lengths read 0:00 and anything past 999999:59:59 reads that.
public func clockText(_ seconds: Double) -> String {
    // Clamped before the conversion to Int, which traps beyond Int's range: a length
    // that large is a bug or a hostile file, and a million hours reads as "far too long".
    let longest = 999_999.0 * 3600 + 3599
    let total = seconds.isNaN ? 0 : Int(Swift.min(longest, Swift.max(0, seconds.rounded())))
    let hours = total / 3600, minutes = (total / 60) % 60, secs = total % 60
    let ss = secs < 10 ? "0\(secs)" : "\(secs)"
    if hours > 0 {
        return "\(hours):" + (minutes < 10 ? "0\(minutes)" : "\(minutes)") + ":" + ss
    }
    return "\(minutes):" + ss
}

/// Short length text for tables: `90s` → `1:30`, `5s` → `5.0s`, `0.4s` → `0.4s`.
public func lengthText(_ seconds: Double) -> String {
    if seconds < 10 {
        let tenths = Int((Swift.max(0, seconds) * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)s"
    }
    return clockText(seconds)
}

/// `45%`
public func percentText(_ level: Double) -> String {
    "\(Int((level.unitClamped * 100).rounded()))%"
}
