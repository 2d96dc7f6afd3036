/// How much a serial line carries, and the highest tick rate a stream of lines fits in.
///
/// 8N1 framing sends 10 bits a byte (start, 8 data, stop), so a line carries baud / 10
/// bytes a second; a stream is kept within `utilization` (90 %) of that so that replies,
/// retries and clock drift between the two ends have room.
public struct LinkBudget: Sendable, Equatable {
    public var baud: Int
    public var utilization: Double

    public init(baud: Int, utilization: Double = 0.9) {
        self.baud = baud
        self.utilization = utilization
    }

    /// Bytes a second the line carries at 8N1.
    public var bytesPerSecond: Double { Double(max(baud, 0)) / 10 }

    /// Bytes a second a stream may use.
    public var usableBytesPerSecond: Double { bytesPerSecond * utilization }

    /// Highest rate (ticks a second) at which ticks averaging `bytesPerTick` fit.
    public func maxRate(bytesPerTick: Double) -> Double {
        bytesPerTick > 0 ? usableBytesPerSecond / bytesPerTick : .infinity
    }

    /// Highest rate for a stream of lines, one element per tick (an empty string for a tick
    /// that sent nothing), judged by the mean bytes per tick.
    public func maxRate<S: Sequence>(lines: S) -> Double where S.Element == String {
        var ticks = 0
        var bytes = 0
        for line in lines {
            ticks += 1
            bytes += line.utf8.count
        }
        guard ticks > 0 else { return .infinity }
        return maxRate(bytesPerTick: Double(bytes) / Double(ticks))
    }

    /// Share of the line's capacity (0…1, may exceed 1) that `rate` ticks of
    /// `bytesPerTick` bytes use.
    public func share(rate: Double, bytesPerTick: Double) -> Double {
        bytesPerSecond > 0 ? rate * bytesPerTick / bytesPerSecond : .infinity
    }

    /// `requested` if the stream fits at it, else the highest rate that fits.
    public func allowedRate<S: Sequence>(requested: Double, lines: S) -> Double where S.Element == String {
        min(requested, maxRate(lines: lines))
    }
}
