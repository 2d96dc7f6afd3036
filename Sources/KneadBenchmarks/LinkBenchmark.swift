import KneadSystem
import KneadCore
import KneadDrivers
import KneadEngine
import KneadSimulator
import KneadWire

/// `knead bench link`: what a paced serial line carries, per protocol, measured end to
/// end in one process: the real drivers (termios) on a `knead sim` server (PtyServer)
/// that takes and sends bytes at the baud rate's real speed.
public struct LinkBenchmark: Sendable {
    public let baud: Int
    /// Bytes a second the line carries (8N1: ten bits a byte).
    public let capacity: Double
    let tcodeProfile: DeviceProfile
    let kwpProfile: DeviceProfile
    let realtimePriority: Int32?

    /// The profiles are the shipped ones (osr2 for TCode, knead-chair for the wire
    /// protocol); their rate cap is lifted, since the point is to find the line's.
    public init(baud: Int, tcodeProfile: DeviceProfile, kwpProfile: DeviceProfile, realtimePriority: Int32?) {
        self.baud = baud
        capacity = Double(baud) / LinkPacer.bitsPerByte
        var tcode = tcodeProfile, kwp = kwpProfile
        tcode.maxRate = 2000
        kwp.maxRate = 2000
        tcode.connection?.baud = baud
        kwp.connection?.baud = baud
        self.tcodeProfile = tcode
        self.kwpProfile = kwp
        self.realtimePriority = realtimePriority
    }

    /// Plays `seconds` of ever-changing frames at `rate` over the paced line.
    public func measure(_ served: DeviceProtocol, rate: Double, seconds: Double) throws(LinkBenchmarkError) -> LinkRow {
        let run = try ServedRun(protocol: served, baud: baud, realtimePriority: realtimePriority)
        defer { run.stopIfRunning() }
        run.start()
        let profile = served == .tcode ? tcodeProfile : kwpProfile
        let backend = try driver(profile: profile, path: run.server.path, naming: served.rawValue)
        let outcome = Self.play(backend: backend, profile: profile, rate: rate, seconds: seconds, stalls: nil)
        let report = run.finish()
        let hostStatistics = (backend as? KWPDriver)?.statistics
        let duration = Swift.max(1e-9, outcome.wallSeconds)
        let sent = Double(report.bytesFromHost)
        var row = LinkRow(protocolName: served.rawValue, rate: rate, framesSent: outcome.framesSent,
                          bytesPerSecond: sent / duration, share: sent / duration / capacity,
                          bytesPerFrame: outcome.framesSent > 0 ? sent / Double(outcome.framesSent) : 0,
                          returnBytesPerSecond: Double(report.bytesToHost) / duration,
                          delayP99: report.linkDelayMilliseconds.p99 / 1000,
                          delayMax: report.linkDelayMilliseconds.max / 1000,
                          executed: report.kwp?.executed, late: report.kwp?.late,
                          retransmitted: hostStatistics.map { ($0.retransmittedPackets, $0.retransmitTimeouts) },
                          error: outcome.error)
        row.sustained = LinkRow.isSustained(error: outcome.error, framesSent: outcome.framesSent,
                                            delayMax: row.delayMax,
                                            kwp: report.kwp.map { ($0.accepted, $0.late) })
        return row
    }

    /// The wire protocol at `rate` with the host's engine stalled for 50 ms about once
    /// a second: the lead buffer is meant to absorb the stalls.
    public func stalledHost(rate: Double, seconds: Double) throws(LinkBenchmarkError) -> StalledHostReport {
        let run = try ServedRun(protocol: .kwp, baud: baud, realtimePriority: realtimePriority)
        defer { run.stopIfRunning() }
        let executions = Locked<[(time: Double, count: Int)]>([])
        run.server.onExecuted = { time, count in executions.withLock { $0.append((time, count)) } }
        run.start()
        let backend = try driver(profile: kwpProfile, path: run.server.path, naming: "wire protocol")
        let plan = StallPlan(duration: 0.05, seed: 7)
        let outcome = Self.play(backend: backend, profile: kwpProfile, rate: rate, seconds: seconds, stalls: plan)
        let report = run.finish()
        return StalledHostReport(rate: rate, seconds: seconds, stalls: plan.count, framesSent: outcome.framesSent,
                                 executed: report.kwp?.executed ?? 0, lateOnDevice: report.kwp?.late ?? 0,
                                 deviceError: StalledHostReport.timingErrors(executions: executions.withLock { $0 },
                                                                             rate: rate),
                                 hostLateness: outcome.lateness, error: outcome.error)
    }

    private func driver(profile: DeviceProfile, path: String, naming name: String) throws(LinkBenchmarkError)
        -> any Backend {
        var options = DeviceDrivers.Options(transport: .termios)
        options.kwp.closeTimeout = 0.5
        do {
            return try DeviceDrivers.backend(profile: profile, path: path, options: options)
        } catch {
            throw LinkBenchmarkError("cannot make the \(name) driver: \(error)")
        }
    }

    struct PlayOutcome {
        var framesSent = 0
        var wallSeconds = 0.0
        var lateness = LatenessSummary()
        var error: String?
    }

    /// Opens the backend, plays through the engine on the monotonic clock, closes it.
    static func play(backend: any Backend, profile: DeviceProfile, rate: Double, seconds: Double,
                     stalls: StallPlan?) -> PlayOutcome {
        let played: any Backend = stalls.map { StallingBackend(backend, plan: $0) } ?? backend
        do {
            _ = try played.open()
        } catch {
            return PlayOutcome(error: "open: \(error)")
        }
        defer { played.close() }
        let limits = SafetyLimits.resolve(device: profile, sessionCap: seconds + 60)
        let frames = ChangingFrames(rate: rate, count: Int((seconds * rate).rounded()))
            .safe(through: SafetyEnvelope(limits: limits), period: 1 / rate)
        let engine = Engine(backend: played, clock: MonotonicClock(),
                            configuration: EngineConfiguration(rate: rate))
        let result = engine.run(frames.makeIterator())
        var outcome = PlayOutcome(framesSent: result.statistics.framesSent, wallSeconds: result.statistics.wallTime,
                                  lateness: result.statistics.lateness)
        switch result.endReason {
        case .finished: break
        case let .deviceError(error): outcome.error = "\(error)"
        case let .stopped(cause): outcome.error = "stopped (\(cause))"
        }
        return outcome
    }
}
