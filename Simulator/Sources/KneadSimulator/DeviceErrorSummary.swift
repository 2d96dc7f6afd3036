import Histogram
import KneadEngine

/// How far what the device did is from the frames it was asked for.
///
/// Timing error: for each setpoint put in force, |time it took effect − its due time|
/// (due: the stamp of a scheduled frame; for an immediate frame, the session time it
/// was meant for, on the device clock). Position error: at that same tick, the
/// distance between the position the frame asked for and where the roller actually
/// was, mm. Percentiles come from HdrHistograms with 3 significant digits, recorded in
/// whole microseconds and micrometres, so figures are exact below 2.048 ms and
/// 2.048 mm and within 0.1 % above; memory stays flat however long the session.
public struct DeviceErrorSummary: Sendable, Equatable {
    /// Count, p50, p99 and max: the engine's summary of a device-side error.
    public typealias Figures = ErrorSummary
    /// Seconds.
    public var timing: Figures
    /// Setpoints put in force more than one device tick after their due time.
    public var lateFrames: Int
    /// Millimetres; nil for a device without a roller (a handheld).
    public var position: Figures?
}

/// Collects the error figures as setpoints are put in force.
struct DeviceErrorRecorder {
    private var timing = Histogram<UInt64>(highestTrackableValue: 3_600_000_000,
                                           numberOfSignificantValueDigits: .three)
    private var position = Histogram<UInt64>(highestTrackableValue: 100_000_000,
                                             numberOfSignificantValueDigits: .three)
    private var lateFrames = 0
    let hasPosition: Bool

    init(hasPosition: Bool) { self.hasPosition = hasPosition }

    mutating func record(timingError seconds: Double, late: Bool, positionError mm: Double?) {
        _ = timing.record(Self.whole(seconds * 1e6, cap: timing.highestTrackableValue))
        if late { lateFrames += 1 }
        if let mm { _ = position.record(Self.whole(mm * 1e3, cap: position.highestTrackableValue)) }
    }

    var summary: DeviceErrorSummary {
        DeviceErrorSummary(timing: Self.figures(timing, perUnit: 1e6), lateFrames: lateFrames,
                           position: hasPosition ? Self.figures(position, perUnit: 1e3) : nil)
    }

    private static func whole(_ value: Double, cap: UInt64) -> UInt64 {
        let magnitude = Swift.abs(value)
        guard magnitude.isFinite else { return cap }
        return Swift.min(cap, UInt64(magnitude.rounded()))
    }

    private static func figures(_ histogram: Histogram<UInt64>, perUnit: Double) -> DeviceErrorSummary.Figures {
        guard histogram.totalCount > 0 else { return .init(count: 0, p50: 0, p99: 0, max: 0) }
        return .init(count: Int(histogram.totalCount),
                     p50: Double(histogram.valueAtPercentile(50)) / perUnit,
                     p99: Double(histogram.valueAtPercentile(99)) / perUnit,
                     max: Double(histogram.maxRecorded) / perUnit)
    }
}
