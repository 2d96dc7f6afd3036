/// Estimates the device clock from CLOCK round trips: `deviceTicks ≈ offset + rate × hostTime`.
///
/// Each round trip gives a pair (midpoint of send and receive on the host, device time).
/// A reply that was delayed on the way out or back has a midpoint that is wrong by up to
/// half its round trip, so only pairs whose round trip is close to the shortest seen are
/// used (outlier rejection); a least-squares line through them gives offset and rate.
/// Until the pairs span `minimumDriftSpan` seconds the rate is the nominal clock rate,
/// since a slope fitted over a short span would amplify jitter.
public struct KWPClockEstimator: Sendable, Equatable {
    public struct Sample: Sendable, Equatable {
        public var hostMidpoint: Double
        public var deviceTicks: UInt64
        public var roundTrip: Double
    }

    public let nominalHz: Double
    public let windowSize: Int
    public let minimumDriftSpan: Double
    /// The fitted rate is kept within this fraction of nominal (crystal and RC
    /// oscillators are within 2 %; more is a measuring error).
    public let maximumDrift: Double

    public private(set) var samples: [Sample] = []
    /// Device ticks at host time `referenceTime`, and ticks per host second.
    public private(set) var referenceTime: Double = 0
    public private(set) var referenceTicks: Double = 0
    public private(set) var rate: Double

    public init(nominalHz: Double, windowSize: Int = 32, minimumDriftSpan: Double = 1.0,
                maximumDrift: Double = 0.02) {
        self.nominalHz = nominalHz
        self.windowSize = max(2, windowSize)
        self.minimumDriftSpan = minimumDriftSpan
        self.maximumDrift = maximumDrift
        self.rate = nominalHz
    }

    public var isSynchronized: Bool { !samples.isEmpty }

    /// Relative rate error of the device clock: rate / nominal − 1 (positive: runs fast).
    public var drift: Double { rate / nominalHz - 1 }

    /// A round trip: request sent at `sentAt`, reply (device time `deviceTicks`) received at
    /// `receivedAt`, both host seconds. Ignored if the times make no sense.
    public mutating func addSample(sentAt: Double, deviceTicks: UInt64, receivedAt: Double) {
        guard receivedAt >= sentAt, sentAt.isFinite, receivedAt.isFinite else { return }
        samples.append(Sample(hostMidpoint: (sentAt + receivedAt) / 2, deviceTicks: deviceTicks,
                              roundTrip: receivedAt - sentAt))
        if samples.count > windowSize { samples.removeFirst(samples.count - windowSize) }
        refit()
    }

    /// Device ticks (fractional) at host time `hostTime`.
    public func deviceTicks(atHostTime hostTime: Double) -> Double {
        referenceTicks + rate * (hostTime - referenceTime)
    }

    /// Host time at which the device clock reads `ticks`.
    public func hostTime(atDeviceTicks ticks: Double) -> Double {
        referenceTime + (ticks - referenceTicks) / rate
    }

    /// Host time of a 32-bit device time, taking the 64-bit tick nearest the estimate.
    public func hostTime(atDeviceTime32 time: UInt32, near hostTime: Double) -> Double {
        let estimate = deviceTicks(atHostTime: hostTime)
        let low = Double(time)
        let wrap = 4_294_967_296.0
        var ticks = (estimate / wrap).rounded(.down) * wrap + low
        if ticks - estimate > wrap / 2 { ticks -= wrap }
        if estimate - ticks > wrap / 2 { ticks += wrap }
        return self.hostTime(atDeviceTicks: ticks)
    }

    /// The samples used by the fit: round trip within 1.5 × the shortest + 0.5 ms.
    public var acceptedSamples: [Sample] {
        guard let shortest = samples.map(\.roundTrip).min() else { return [] }
        let limit = shortest * 1.5 + 0.0005
        return samples.filter { $0.roundTrip <= limit }
    }

    private mutating func refit() {
        let used = acceptedSamples
        guard let first = used.first else { return }
        // Centre both axes on the first sample so Doubles keep their precision.
        let baseTime = first.hostMidpoint
        let baseTicks = Double(first.deviceTicks)
        let n = Double(used.count)
        let meanT = used.reduce(0) { $0 + ($1.hostMidpoint - baseTime) } / n
        let meanD = used.reduce(0) { $0 + (Double($1.deviceTicks) - baseTicks) } / n
        let span = (used.map(\.hostMidpoint).max() ?? baseTime) - (used.map(\.hostMidpoint).min() ?? baseTime)
        var slope = nominalHz
        if span >= minimumDriftSpan {
            var sxy = 0.0, sxx = 0.0
            for sample in used {
                let dt = sample.hostMidpoint - baseTime - meanT
                let dd = Double(sample.deviceTicks) - baseTicks - meanD
                sxy += dt * dd
                sxx += dt * dt
            }
            if sxx > 0 {
                slope = min(max(sxy / sxx, nominalHz * (1 - maximumDrift)), nominalHz * (1 + maximumDrift))
            }
        }
        rate = slope
        referenceTime = baseTime + meanT
        referenceTicks = baseTicks + meanD
    }
}
