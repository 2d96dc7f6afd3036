import KneadEngine
import KneadPictures

/// The wire protocol played with the host's engine stalled at random: how late the
/// host was, and how far from its due time the device executed each setpoint.
public struct StalledHostReport: Sendable {
    public var rate: Double
    public var seconds: Double
    public var stalls: Int
    public var framesSent: Int
    public var executed: Int
    public var lateOnDevice: Int
    /// Device execution time − due time, against the median (seconds).
    public var deviceError: (p50: Double, p99: Double, max: Double)
    public var hostLateness: LatenessSummary
    public var error: String?

    public init(rate: Double, seconds: Double, stalls: Int, framesSent: Int, executed: Int, lateOnDevice: Int,
                deviceError: (p50: Double, p99: Double, max: Double), hostLateness: LatenessSummary,
                error: String? = nil) {
        self.rate = rate
        self.seconds = seconds
        self.stalls = stalls
        self.framesSent = framesSent
        self.executed = executed
        self.lateOnDevice = lateOnDevice
        self.deviceError = deviceError
        self.hostLateness = hostLateness
        self.error = error
    }

    /// How far each setpoint ran from its due time, the median removed: the device's
    /// clock and the host's differ by an offset that is no error. Setpoint n (in order,
    /// none lost) is frame n, due n / rate after the first.
    public static func timingErrors(executions: [(time: Double, count: Int)], rate: Double)
        -> (p50: Double, p99: Double, max: Double) {
        var times: [Double] = []
        for execution in executions {
            times += Array(repeating: execution.time, count: execution.count)
        }
        let offsets = times.enumerated().map { $0.element - Double($0.offset) / rate }
        let median = percentile(offsets, 0.5)
        let errors = offsets.map { abs($0 - median) }
        return (percentile(errors, 0.5), percentile(errors, 0.99), errors.max() ?? 0)
    }

    /// The nearest-rank percentile `p` (0…1) of `values`; 0 for none.
    public static func percentile(_ values: [Double], _ p: Double) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        return sorted[Swift.min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded()))]
    }

    public var text: String {
        func ms(_ seconds: Double) -> String { decimalText(seconds * 1000, 2) + " ms" }
        func ns(_ nanoseconds: UInt64) -> String { decimalText(Double(nanoseconds) / 1e6, 2) + " ms" }
        var lines = ["Knead wire protocol at \(Int(rate)) Hz for \(decimalText(seconds, 0)) s, the host's "
                     + "engine stalled \(stalls) times for 50 ms at random:"]
        lines.append("  host: frames handed to the driver late by p99 \(ns(hostLateness.p99)), "
                     + "max \(ns(hostLateness.max))")
        lines.append("  device: \(executed) of \(framesSent) setpoints executed, \(lateOnDevice) late; "
                     + "timing error (executed − due, median removed) p50 \(ms(deviceError.p50)), "
                     + "p99 \(ms(deviceError.p99)), max \(ms(deviceError.max)); target: no frame late")
        if let error { lines.append("  error: \(error)") }
        return lines.joined(separator: "\n") + "\n"
    }
}
