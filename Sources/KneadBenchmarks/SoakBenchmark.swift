import Foundation
import Histogram
import KneadCore
import KneadDrivers
import KneadEngine
import KneadSimulator
import KneadSystem
import Synchronization

/// `knead bench soak`: the knead wire protocol for a long time on a paced line that
/// damages bytes, in one process: the real driver (termios) and the engine on the
/// monotonic clock, `knead sim`'s server (PtyServer) paced at the baud rate with
/// `noise`, and optionally a thread keeping the other core busy. Every second it
/// samples the process's resident memory and the host's error in estimating the device
/// clock; the device reports each setpoint it executes, whose timing error goes in a
/// histogram (so the soak's own memory stays flat however long it runs).
public struct SoakBenchmark: Sendable {
    public var seconds: Double
    public var rate: Double
    public var noise: Double
    public var baud: Int
    public var busyCore: Bool
    public var realtimePriority: Int32?

    public init(seconds: Double, rate: Double, noise: Double, baud: Int, busyCore: Bool, realtimePriority: Int32?) {
        self.seconds = seconds
        self.rate = rate
        self.noise = noise
        self.baud = baud
        self.busyCore = busyCore
        self.realtimePriority = realtimePriority
    }

    public struct Report: Sendable {
        public var seconds: Double
        public var framesSent = 0
        public var executed = 0
        public var lateOnDevice = 0
        public var corruptedBytes = 0
        public var droppedFrames = 0
        public var retransmittedPackets = 0
        /// Device timing error (executed − due, the median offset removed), µs.
        public var deviceErrorP50 = 0.0, deviceErrorP99 = 0.0, deviceErrorP999 = 0.0, deviceErrorMax = 0.0
        /// The engine's lateness handing frames to the driver, µs.
        public var hostLateness = LatenessSummary()
        /// |host's estimate of the device clock − the device clock|, µs: after the first
        /// minute (the fit settling), and the worst.
        public var clockErrorSettledMax = 0.0, clockErrorMax = 0.0
        /// Resident memory after the first 10 s and at the end, bytes.
        public var memoryStart: Int?, memoryEnd: Int?
        public var error: String?

        public var lost: Int { framesSent - executed }
    }

    public func run(progress: (String) -> Void) throws(LinkBenchmarkError) -> Report {
        var faults = ServeFaults.none
        faults.noise = noise
        faults.seed = 11
        let run = try ServedRun(protocol: .kwp, baud: baud, realtimePriority: realtimePriority, faults: faults)
        defer { run.stopIfRunning() }
        // Setpoint k is due k / rate after the first; its error is measured against that
        // grid with the first one's offset removed (the host's start is not the device's).
        let timing = Locked(DeviceTiming())
        let frameRate = rate
        run.server.onExecuted = { time, count in timing.withLock { $0.record(time: time, count: count, rate: frameRate) } }
        run.start()
        var profile = DeviceProfile.chair
        profile.name = "knead-chair (soak)"
        profile.maxRate = Swift.max(profile.maxRate, rate)
        profile.connection = DeviceProfile.Connection(protocol: .kwp, baud: baud, lead: 0.15)
        var options = DeviceDrivers.Options(transport: .termios)
        options.kwp.closeTimeout = 0.5
        let backend: any Backend
        do {
            backend = try DeviceDrivers.backend(profile: profile, path: run.server.path, options: options)
        } catch {
            throw LinkBenchmarkError("cannot make the wire protocol driver: \(error)")
        }
        let driver = backend as? KWPDriver

        let busy = Atomic<Bool>(busyCore)
        if busyCore {
            Thread.detachNewThread {
                var spin: UInt64 = 0
                while busy.load(ordering: .relaxed) { spin &+= 1 }
                _ = spin
            }
        }
        defer { busy.store(false, ordering: .relaxed) }

        let finished = Locked<LinkBenchmark.PlayOutcome?>(nil)
        let seconds = self.seconds, rate = self.rate, played = profile
        let player = Thread {
            let outcome = LinkBenchmark.play(backend: backend, profile: played, rate: rate, seconds: seconds, stalls: nil)
            finished.withLock { $0 = outcome }
        }
        player.start()

        var report = Report(seconds: seconds)
        let started = MonotonicTime.seconds()
        var nextProgress = 60.0
        while finished.withLock({ $0 == nil }) {
            Thread.sleep(forTimeInterval: 1)
            let elapsed = MonotonicTime.seconds() - started
            let now = MonotonicTime.seconds()
            if let estimate = driver?.estimatedDeviceTicks(atHostTime: now) {
                let actual = (now - run.server.clockOrigin) * 1_000_000
                let error = Swift.abs(estimate - actual)
                report.clockErrorMax = Swift.max(report.clockErrorMax, error)
                if elapsed > 60 { report.clockErrorSettledMax = Swift.max(report.clockErrorSettledMax, error) }
            }
            if report.memoryStart == nil && elapsed >= 10 { report.memoryStart = ProcessMemory.residentBytes() }
            if elapsed >= nextProgress {
                nextProgress += 60
                let executed = timing.withLock { $0.executed }
                progress("  \(Int(elapsed / 60)) min: \(executed) setpoints executed, resident "
                         + "\((ProcessMemory.residentBytes() ?? 0) / 1024) KiB, clock error max "
                         + "\(Int(report.clockErrorMax.rounded())) µs")
            }
        }
        report.memoryEnd = ProcessMemory.residentBytes()
        let outcome = finished.withLock { $0 }!
        let served = run.finish()
        report.framesSent = outcome.framesSent
        report.hostLateness = outcome.lateness
        report.error = outcome.error
        report.executed = served.kwp?.executed ?? 0
        report.lateOnDevice = served.kwp?.late ?? 0
        report.droppedFrames = served.kwp?.droppedFrames ?? 0
        report.corruptedBytes = served.corruptedBytes
        report.retransmittedPackets = driver?.statistics.retransmittedPackets ?? 0
        timing.withLock { timing in
            let percentiles = timing.errors(percentiles: [50, 99, 99.9, 100])
            (report.deviceErrorP50, report.deviceErrorP99, report.deviceErrorP999, report.deviceErrorMax)
                = (percentiles[0], percentiles[1], percentiles[2], percentiles[3])
        }
        return report
    }
}

/// Executed setpoints against their due grid, in a histogram of µs (shifted so that a
/// setpoint early by up to a second is still counted).
struct DeviceTiming {
    private static let shift: UInt64 = 1_000_000
    private var histogram = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
    private var offset: Double?
    private(set) var executed = 0

    mutating func record(time: Double, count: Int, rate: Double) {
        for _ in 0..<count {
            let due = Double(executed) / rate
            executed += 1
            let raw = time - due
            if offset == nil { offset = raw }
            let micros = ((raw - (offset ?? raw)) * 1_000_000).rounded()
            let shifted = Swift.max(0, Swift.min(59_000_000, micros + Double(Self.shift)))
            _ = histogram.record(UInt64(shifted))
        }
    }

    /// |error| at each percentile, the median offset removed, µs.
    func errors(percentiles: [Double]) -> [Double] {
        guard histogram.totalCount > 0 else { return percentiles.map { _ in 0 } }
        let median = Double(histogram.valueAtPercentile(50))
        return percentiles.map { percentile in
            let high = Swift.abs(Double(histogram.valueAtPercentile(percentile)) - median)
            let low = Swift.abs(median - Double(histogram.valueAtPercentile(100 - percentile)))
            return Swift.max(high, low)
        }
    }
}
