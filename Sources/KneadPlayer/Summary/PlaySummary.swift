import Foundation
import KneadEngine
import KneadPictures
import KneadPatternFile
import KneadSimulator

/// What a play did, for the summary printed at the end (text, or JSON with `--json`).
/// Every time is real time (a `--time-scale` run is measured on the scaled clock and
/// converted back); docs/play.md describes each field.
public struct PlaySummary: Encodable, Equatable, Sendable {
    /// The version of this summary's shape (docs/play.md): 2 added `schemaVersion`,
    /// `wayOut` and `rampMilliseconds`, SIGQUIT and SIGPIPE as ways out, and the
    /// outcome `output-lost`.
    public static let schemaVersion = 2
    public var pattern: String
    public var file: String
    public var device: String
    /// Who answered at open (model, firmware, protocol); null when nothing was opened.
    public var deviceIdentity: Identity?
    /// The built-in simulator played the device profile.
    public var simulated: Bool
    /// `done`, `session-cap`, `interrupted`, `terminated`, `device-unavailable`, `io-error`.
    public var outcome: String
    /// What ended it: `end of pattern`, `ctrl-c`, `q`, `esc`, `SIGTERM`, or the device's error.
    public var cause: String
    /// How the device was brought to zero: `ramp` (through the envelope's ramp, then
    /// its stop) or `immediate` (its stop at once); null when nothing was played.
    public var wayOut: StopKind?
    public var exitCode: Int32
    /// Pattern seconds played, and the pattern's length.
    public var playedSeconds: Double
    public var durationSeconds: Double
    /// Real seconds from the first frame to the end.
    public var wallSeconds: Double
    public var timeScale: Double
    public var rate: Double
    public var framesSent: Int
    /// Frames sent more than one frame period after their time.
    public var lateFrames: Int
    /// What a device that acknowledges frames (the knead wire protocol) did with them:
    /// `acknowledged`, `unconfirmed` and `unsent` (discarded by the stop at the end, sent
    /// without an acknowledgement or never sent; a play that reaches its end with any is
    /// an io-error), `shortLead` (sent with less than the device's lead left); null for
    /// devices that cannot say.
    public var delivery: FrameDelivery?
    /// How late frames were sent, microseconds of real time.
    public var latenessMicroseconds: Percentiles
    /// CPU time of the engine's thread over its real running time, percent of one core.
    public var cpuPercent: Double
    /// From the stop request (key, signal, device error) to the device told to stop,
    /// milliseconds of real time; null when the pattern ended by itself.
    public var stopLatencyMilliseconds: Double?
    /// From the SIGINT/SIGTERM/SIGHUP/SIGQUIT's arrival (stamped in the handler) to the
    /// device told to stop (`stop()` returned) or, for a ramping stop, to the frame at
    /// zero; milliseconds of real time; null when no signal stopped the play.
    public var signalToStopMilliseconds: Double?
    /// A ramping stop (q, Esc, the first Ctrl-C, SIGTERM, SIGHUP, SIGQUIT): from the
    /// first frame after the request to the frame at zero, milliseconds of real time;
    /// null for other ways out.
    public var rampMilliseconds: Double?
    /// The person's intensity cap at the end, percent.
    public var maxIntensityPercent: Double
    /// The device's state at the end: all setpoints and outputs at zero.
    public var deviceAtZero: Bool?
    /// What the simulated device did against what it was asked (null for a real device).
    public var deviceError: DeviceError?
    /// The simulator's trace, when `--trace` was given.
    public var trace: String?
    /// Set when writing the trace failed part way (the play itself went on).
    public var traceError: String?
    /// What went wrong for `device-unavailable`, `io-error` and `cannot-create`, or a
    /// failed stop.
    public var error: String?

    public struct Identity: Encodable, Equatable, Sendable {
        public var model: String
        public var firmware: String
        var `protocol`: String
    }

    public struct Percentiles: Encodable, Equatable, Sendable {
        public var p50: Double
        public var p99: Double
        public var p999: Double
        public var max: Double
    }

    public struct Figures: Encodable, Equatable, Sendable {
        public var p50: Double
        public var p99: Double
        public var max: Double
    }

    public struct DeviceError: Encodable, Equatable, Sendable {
        /// When setpoints took effect against when they were due, milliseconds of real time.
        public var timingMilliseconds: Figures
        /// Setpoints that took effect more than one device tick late.
        public var lateSetpoints: Int
        /// Where the roller was against where it was asked to be, millimetres (null
        /// for a device without a roller).
        public var positionMillimetres: Figures?
        /// Times the device's watchdog ramped it to zero because the host fell silent.
        public var watchdogFirings: Int

        /// Microsecond and micrometre resolution, as the simulator measures.
        public var rounded: DeviceError {
            func r(_ f: Figures, _ d: Int) -> Figures { Figures(p50: roundTo(f.p50, d), p99: roundTo(f.p99, d), max: roundTo(f.max, d)) }
            var copy = self
            copy.timingMilliseconds = r(timingMilliseconds, 3)
            copy.positionMillimetres = positionMillimetres.map { r($0, 3) }
            return copy
        }
    }

    /// - Parameter timeScale: the simulated device lives on the scaled clock; its
    ///   timing figures are converted back to real time.
    /// The summary of a play that ended with `outcome` (`result` nil: nothing played).
    static func make(outcome: PlayOutcome, result: RunResult?, simulatorReport: SimulatorReport?,
                     session: PreparedSession, settings: PlaySettings, personCap: Double,
                     played: Double, signalToRequest: Double? = nil, identity: DeviceIdentity? = nil,
                     stopKind: StopKind? = nil, rampSeconds: Double? = nil,
                     deviceConfirmedAtZero: Bool? = nil, delivery: FrameDelivery? = nil) -> PlaySummary {
        // The engine measured on its clock; with --time-scale that clock runs `scale` times fast.
        let scale = settings.timeScale
        let statistics = result?.statistics ?? RunStatistics()
        let lateness = statistics.lateness
        let realWall = statistics.wallTime / scale
        func microseconds(_ nanoseconds: UInt64) -> Double { roundTo(Double(nanoseconds) / 1000 / scale, 1) }
        let errorText = outcome.errorMessage ?? result?.stopError.map { "stopping the device failed: \($0)" }
        return PlaySummary(
            pattern: session.pattern.name, file: session.path, device: session.device.name,
            deviceIdentity: identity.map { Identity(model: $0.model, firmware: $0.firmware, protocol: $0.protocolName) },
            simulated: settings.location.isSimulated, outcome: outcome.name, cause: outcome.cause, wayOut: result == nil ? nil : stopKind,
            // The play went well but its record did not: a script must not take the trace as whole.
            exitCode: outcome.exitCode == 0 && simulatorReport?.traceError != nil ? PlayExitCode.ioError : outcome.exitCode, playedSeconds: roundTo(played, 3),
            durationSeconds: roundTo(session.timeline.duration, 3),
            wallSeconds: roundTo(realWall, 3), timeScale: scale, rate: settings.rate,
            framesSent: statistics.framesSent, lateFrames: statistics.lateFrames, delivery: delivery,
            latenessMicroseconds: Percentiles(p50: microseconds(lateness.p50), p99: microseconds(lateness.p99),
                                              p999: microseconds(lateness.p999), max: microseconds(lateness.max)),
            cpuPercent: roundTo(realWall > 0 ? statistics.cpuTime / realWall * 100 : 0, 2),
            stopLatencyMilliseconds: statistics.stopLatency.map { roundTo($0 * 1000 / scale, 3) },
            // Signal → request is real time; request → stop() returned is on the engine's clock.
            signalToStopMilliseconds: signalToRequest.flatMap { toRequest in
                (statistics.stopLatency ?? rampSeconds).map { roundTo((toRequest + $0 / scale) * 1000, 3) }
            },
            rampMilliseconds: rampSeconds.map { roundTo($0 * 1000 / scale, 3) },
            maxIntensityPercent: roundTo(personCap * 100, 1),
            deviceAtZero: simulatorReport?.state.isAtZero ?? deviceConfirmedAtZero,
            deviceError: simulatorReport.map { deviceError(from: $0, timeScale: scale).rounded },
            trace: simulatorReport == nil ? nil : settings.tracePath,
            traceError: simulatorReport?.traceError,
            error: errorText)
    }

    /// Every field is written, absent ones as null, so the summary always has one shape.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(Self.schemaVersion, forKey: .schemaVersion)
        try c.encode(pattern, forKey: .pattern)
        try c.encode(file, forKey: .file)
        try c.encode(device, forKey: .device)
        try c.encode(deviceIdentity, forKey: .deviceIdentity)
        try c.encode(simulated, forKey: .simulated)
        try c.encode(outcome, forKey: .outcome)
        try c.encode(cause, forKey: .cause)
        try c.encode(wayOut, forKey: .wayOut)
        try c.encode(exitCode, forKey: .exitCode)
        try c.encode(playedSeconds, forKey: .playedSeconds)
        try c.encode(durationSeconds, forKey: .durationSeconds)
        try c.encode(wallSeconds, forKey: .wallSeconds)
        try c.encode(timeScale, forKey: .timeScale)
        try c.encode(rate, forKey: .rate)
        try c.encode(framesSent, forKey: .framesSent)
        try c.encode(lateFrames, forKey: .lateFrames)
        try c.encode(delivery.map(DeliveryFigures.init), forKey: .delivery)
        try c.encode(latenessMicroseconds, forKey: .latenessMicroseconds)
        try c.encode(cpuPercent, forKey: .cpuPercent)
        try c.encode(stopLatencyMilliseconds, forKey: .stopLatencyMilliseconds)
        try c.encode(signalToStopMilliseconds, forKey: .signalToStopMilliseconds)
        try c.encode(rampMilliseconds, forKey: .rampMilliseconds)
        try c.encode(maxIntensityPercent, forKey: .maxIntensityPercent)
        try c.encode(deviceAtZero, forKey: .deviceAtZero)
        try c.encode(deviceError, forKey: .deviceError)
        try c.encode(trace, forKey: .trace)
        try c.encode(traceError, forKey: .traceError)
        try c.encode(error, forKey: .error)
    }

    private enum CodingKeys: String, CodingKey {
        case schemaVersion, wayOut
        case pattern, file, device, deviceIdentity, simulated, outcome, cause, exitCode, playedSeconds, durationSeconds
        case wallSeconds, timeScale, rate, framesSent, lateFrames, delivery, latenessMicroseconds, cpuPercent
        case stopLatencyMilliseconds, signalToStopMilliseconds, rampMilliseconds, maxIntensityPercent, deviceAtZero, deviceError, trace, traceError, error
    }

    static func deviceError(from report: SimulatorReport, timeScale: Double) -> DeviceError {
        let toMilliseconds = 1000 / timeScale
        let timing = report.errors.timing
        return DeviceError(
            timingMilliseconds: Figures(p50: timing.p50 * toMilliseconds, p99: timing.p99 * toMilliseconds,
                                        max: timing.max * toMilliseconds),
            lateSetpoints: report.errors.lateFrames,
            positionMillimetres: report.errors.position.map { Figures(p50: $0.p50, p99: $0.p99, max: $0.max) },
            watchdogFirings: report.device.watchdogFirings)
    }

    /// One JSON object on one line, keys sorted.
    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        guard let data = try? encoder.encode(self) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    /// The summary a person reads.
    public var text: String {
        var lines: [String] = []
        let played = clockText(playedSeconds) + " of " + clockText(durationSeconds)
        let atZero = deviceAtZero.map { $0 ? "the device is at zero" : "the device did NOT report zero" }
        switch outcome {
        case "done":
            lines.append("knead: \(pattern): played to the end" + (atZero.map { "; \($0)." } ?? "."))
        case "session-cap":
            lines.append("knead: \(pattern): the session cap ended the session at \(clockText(playedSeconds))"
                         + (atZero.map { "; \($0)." } ?? "."))
        case "device-unavailable":
            // Nothing played: the figures below would all be zero.
            return "knead: \(pattern): the device could not be opened: \(error ?? cause)\n"
        case "cannot-create":
            return "knead: \(pattern): nothing played: \(error ?? cause)\n"
        case "io-error":
            lines.append("knead: \(pattern): the device failed at \(played): \(error ?? cause)"
                         + (atZero.map { "; \($0)." } ?? "."))
        case "output-lost":
            lines.append("knead: \(pattern): stopped at \(played): \(error ?? cause)"
                         + (atZero.map { "; \($0)." } ?? "."))
        default:
            lines.append("knead: \(pattern): stopped by \(cause) at \(played)" + (atZero.map { "; \($0)." } ?? "."))
        }
        var timing = "\(formatSeconds(wallSeconds))"
        if timeScale != 1 { timing += " at ×" + numberText(timeScale) }
        lines.append("  played     \(played) (\(timing))")
        let period = 1 / rate / timeScale
        lines.append("  frames     \(framesSent) sent at \(numberText(rate)) Hz, \(lateFrames) late by more than "
                     + "a period (\(durationText(period)))")
        if let delivery {
            lines.append("  delivered  \(delivery.acknowledged) acknowledged by the device"
                         + (delivery.unconfirmed > 0 ? ", \(delivery.unconfirmed) not acknowledged" : "")
                         + (delivery.unsent > 0 ? ", \(delivery.unsent) never sent" : "")
                         + (delivery.shortLead > 0 ? ", \(delivery.shortLead) sent with less than its lead" : ""))
        }
        let l = latenessMicroseconds
        lines.append("  lateness   p50 \(durationText(l.p50 / 1e6)) · p99 \(durationText(l.p99 / 1e6)) · "
                     + "p99.9 \(durationText(l.p999 / 1e6)) · max \(durationText(l.max / 1e6))")
        lines.append("  cpu        \(decimalText(cpuPercent, 1, nonFinite: nil)) % of a core")
        if let ramp = rampMilliseconds {
            lines.append("  stop       ramped to zero in \(durationText(ramp / 1000)) after \(cause), then stopped the device")
        }
        if let stop = stopLatencyMilliseconds {
            lines.append("  stop       reached the device \(durationText(stop / 1000)) after \(cause)")
        }
        lines.append("  your cap   \(percentNumberText(maxIntensityPercent))%")
        if let identity = deviceIdentity {
            // A TCode device answers one line for both (D0 and D1 alike on many firmwares).
            let firmware = identity.firmware == identity.model ? "" : ", firmware \(identity.firmware)"
            lines.append("  answered   \(identity.model)\(firmware) (\(identity.protocol))")
        }
        if let device = deviceError {
            var text = "timing error p50 \(durationText(device.timingMilliseconds.p50 / 1000)) · "
                + "p99 \(durationText(device.timingMilliseconds.p99 / 1000)) · "
                + "max \(durationText(device.timingMilliseconds.max / 1000))"
            if let position = device.positionMillimetres {
                text += "; position error p50 \(decimalText(position.p50, 1, nonFinite: nil)) mm · p99 \(decimalText(position.p99, 1, nonFinite: nil)) mm"
                    + " · max \(decimalText(position.max, 1, nonFinite: nil)) mm"
            }
            if device.watchdogFirings > 0 { text += "; watchdog fired \(device.watchdogFirings)×" }
            lines.append("  device     " + text)
        }
        if let trace { lines.append("  trace      \(trace)" + (traceError.map { " (incomplete: \($0))" } ?? "")) }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// `4.2 s`, `1:23`: a wall time.
private func formatSeconds(_ seconds: Double) -> String {
    seconds < 60 ? decimalText(seconds, 1, nonFinite: nil) + " s" : clockText(seconds)
}

/// `value` to `decimals` decimals, so the JSON summary carries no float noise.
func roundTo(_ value: Double, _ decimals: Int) -> Double {
    guard value.isFinite else { return value }
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    return (value * scale).rounded() / scale
}

/// `delivery` in the JSON summary.
struct DeliveryFigures: Encodable {
    var acknowledged: Int
    var unconfirmed: Int
    var unsent: Int
    var shortLead: Int
    init(_ delivery: FrameDelivery) {
        acknowledged = delivery.acknowledged
        unconfirmed = delivery.unconfirmed
        unsent = delivery.unsent
        shortLead = delivery.shortLead
    }
}
