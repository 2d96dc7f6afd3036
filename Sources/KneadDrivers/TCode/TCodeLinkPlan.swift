import KneadCore
import KneadWire

/// Whether TCode lines at a frame rate fit the serial line, and the rate to play at
/// when they do not.
///
/// The estimate is the worst case: every mapped axis changes on every tick, so each
/// line carries every axis with 4 digits and its `I<ms>` ramp. When those lines at the
/// requested rate would take more than 90 % of what the line carries at the profile's
/// baud rate (8N1: baud / 10 bytes a second), the rate is lowered to the highest whole
/// rate that fits, and `note` says so.
public struct TCodeLinkPlan: Sendable, Equatable {
    public var requestedRate: Double
    /// The rate to play at: `requestedRate`, or lower.
    public var rate: Double
    public var baud: Int
    /// Bytes of a line with every axis at `rate`.
    public var bytesPerLine: Int
    /// Share of the line's capacity the requested rate would take (may exceed 1).
    public var requestedShare: Double
    public var utilization: Double

    public var isLowered: Bool { rate < requestedRate }

    /// What to tell the person when the rate was lowered; nil otherwise.
    public var note: String? {
        guard isLowered else { return nil }
        return "at \(Self.format(requestedRate)) Hz the TCode lines (up to \(bytesPerLine) bytes each) would take "
            + "\(Int((requestedShare * 100).rounded()))% of the \(baud)-baud line; playing at \(Self.format(rate)) Hz "
            + "instead, within \(Int((utilization * 100).rounded()))% of it"
    }

    package init(axes: TCodeAxisMap, baud: Int, requestedRate: Double, digits: Int = TCodeDriver.digits,
                timing: TCodeEncoder.Timing = TCodeDriver.timing, utilization: Double = 0.9) {
        let budget = LinkBudget(baud: baud, utilization: utilization)
        self.requestedRate = requestedRate
        self.baud = baud
        self.utilization = utilization
        let requestedBytes = Self.worstLineBytes(axes: axes, rate: requestedRate, digits: digits, timing: timing)
        requestedShare = budget.share(rate: requestedRate, bytesPerTick: Double(requestedBytes))
        var rate = requestedRate
        var bytes = requestedBytes
        // A lower rate means longer I<ms> numbers, so settle in a few rounds.
        for _ in 0..<8 {
            let fits = budget.maxRate(bytesPerTick: Double(bytes))
            if rate <= fits { break }
            rate = max(1, fits.rounded(.down))
            bytes = Self.worstLineBytes(axes: axes, rate: rate, digits: digits, timing: timing)
        }
        self.rate = rate
        bytesPerLine = bytes
    }

    /// Bytes of the line the encoder writes when every axis changes, one tick after another.
    static func worstLineBytes(axes: TCodeAxisMap, rate: Double, digits: Int, timing: TCodeEncoder.Timing) -> Int {
        guard var encoder = try? TCodeEncoder(axes: axes, digits: digits, timing: timing) else { return 0 }
        let period = rate > 0 ? 1 / rate : 1
        _ = encoder.encode(ChannelValues(intensity: 0.1, x: 0.1, y: 0.1, pressure: 0.1, heat: 0.1), at: 0)
        let line = encoder.encode(ChannelValues(intensity: 0.2, x: 0.2, y: 0.2, pressure: 0.2, heat: 0.2), at: period)
        return line?.utf8.count ?? 0
    }

    static func format(_ rate: Double) -> String {
        rate == rate.rounded() ? String(Int(rate)) : String(rate)
    }
}
