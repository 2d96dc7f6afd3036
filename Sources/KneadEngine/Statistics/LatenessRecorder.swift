import Histogram

/// Lateness of each send, recorded from the real-time loop without allocating.
///
/// Uses HdrHistogram with a fixed range (1 ns … 10 s, 3 significant digits) so
/// `record` never resizes: it only indexes the counts array it was created with. The
/// array is held in this one value and never copied while recording, so the write
/// stays in place (no copy-on-write). Values above the range count at its top; the
/// exact maximum is kept beside the histogram.
struct LatenessRecorder {
    static let highestTrackable: UInt64 = 10_000_000_000

    private var histogram: Histogram<UInt64>
    private(set) var maximum: UInt64 = 0
    private(set) var count: UInt64 = 0

    init() {
        histogram = Histogram(lowestDiscernibleValue: 1,
                              highestTrackableValue: Self.highestTrackable,
                              numberOfSignificantValueDigits: .three)
        histogram.autoResize = false
    }

    @inline(__always)
    mutating func record(_ nanoseconds: UInt64) {
        let clamped = nanoseconds < Self.highestTrackable ? nanoseconds : Self.highestTrackable
        histogram.record(clamped)
        if nanoseconds > maximum { maximum = nanoseconds }
        count &+= 1
    }

    var summary: LatenessSummary {
        guard count > 0 else { return LatenessSummary() }
        return LatenessSummary(count: count,
                               p50: histogram.valueAtPercentile(50),
                               p99: histogram.valueAtPercentile(99),
                               p999: histogram.valueAtPercentile(99.9),
                               max: maximum)
    }
}
