import ArgumentParser
import Foundation
import KneadCore
import KneadDrivers
import KneadEngine
import KneadSimulator
import Synchronization

/// `knead bench link`: what a paced serial line carries, per protocol, measured end to
/// end in one process: the real drivers (termios) on a `knead sim` server (PtyServer)
/// that takes and sends bytes at 115200 baud's real speed.
struct BenchLinkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "link",
        abstract: "Measure what each protocol sustains over a paced serial line (use a release build).",
        discussion: """
            For TCode (the sr6 axes) and the knead wire protocol (knead-chair), plays
            frames whose every channel changes at every frame, at rising rates, for
            --seconds each, through the real driver to the simulator on a pseudo-terminal
            paced at --baud (8N1: ten bits a byte). A rate is sustained when play ends
            without error and the line keeps up: for TCode no line waits more than 20 ms
            to cross; for the wire protocol every setpoint is executed, none late.

            Then plays the wire protocol at --stall-rate with the host's engine stalled
            for 50 ms at random (about once a second) and reports the device's timing
            error: the lead buffer is meant to absorb the stalls (target: no frame
            executed late).

            docs/performance.md, section "Serial link (issue 4)", has the figures.
            """)

    @Option(help: ArgumentHelp("Seconds played at each rate.", valueName: "S"))
    var seconds: Double = 3

    @Option(help: ArgumentHelp("Baud rate of the paced line.", valueName: "BAUD"))
    var baud: Int = 115_200

    @Option(name: .customLong("stall-seconds"), help: ArgumentHelp("Seconds of the stalled-host run.", valueName: "S"))
    var stallSeconds: Double = 10

    @Option(name: .customLong("stall-rate"), help: ArgumentHelp("Frame rate of the stalled-host run, Hz.", valueName: "HZ"))
    var stallRate: Double = 200

    @Option(help: ArgumentHelp("Rates to try, comma-separated (default: 50 to 1000 Hz, until two in a row fail).",
                               valueName: "HZ,HZ…"))
    var rates: String?

    @Option(help: ArgumentHelp("Protocols to measure, comma-separated.", valueName: "tcode,kwp"))
    var protocols: String = "tcode,kwp"

    @Flag(name: .customLong("no-stall"), help: "Skip the stalled-host run.")
    var noStall = false

    var rateList: [Double] { rates.map { $0.split(separator: ",").compactMap { Double($0) } } ?? LinkBenchmark.rates }
    var protocolList: [String] { protocols.split(separator: ",").map(String.init) }

    func validate() throws {
        guard (0.5...60).contains(seconds), (1...120).contains(stallSeconds) else {
            throw ValidationError("--seconds must be 0.5…60 and --stall-seconds 1…120")
        }
        guard PtySpeeds.accepted.contains(baud) else {
            throw ValidationError("--baud must be one of " + PtySpeeds.accepted.map(String.init).joined(separator: ", "))
        }
        guard (10...1000).contains(stallRate) else { throw ValidationError("--stall-rate must be 10…1000 Hz") }
        guard !rateList.isEmpty, rateList.allSatisfy({ (1...2000).contains($0) }) else {
            throw ValidationError("--rates takes rates of 1…2000 Hz, comma-separated, e.g. 300,400")
        }
        guard !protocolList.isEmpty, protocolList.allSatisfy({ $0 == "tcode" || $0 == "kwp" }) else {
            throw ValidationError("--protocols takes tcode, kwp or both, comma-separated")
        }
    }

    func run() throws {
        #if DEBUG
        Console.error("knead: note: this is a debug build; measure with a release build for figures that mean something\n")
        #endif
        let bench = try LinkBenchmark(baud: baud)
        Console.output("Serial link at \(baud) baud, 8N1 (\(Int(bench.capacity)) bytes/s), paced by knead sim; "
                       + "every channel changes at every frame; \(LinkBenchmark.format(seconds, 1)) s a rate\n\n")
        Console.output(LinkBenchmark.Row.header + "\n")
        var best: [String: LinkBenchmark.Row] = [:]
        for protocolName in protocolList {
            var failedOnce = false
            for rate in rateList {
                let row = try bench.measure(protocolName: protocolName, rate: rate, seconds: seconds)
                Console.output(row.line + "\n")
                if row.sustained {
                    best[protocolName] = row
                    failedOnce = false
                } else {
                    if failedOnce { break }  // two in a row: the line is past its limit
                    failedOnce = true
                }
            }
        }
        Console.output("\n")
        for protocolName in protocolList {
            if let row = best[protocolName] {
                Console.output("highest rate sustained, \(protocolName): \(Int(row.rate)) Hz, "
                               + "\(LinkBenchmark.format(row.bytesPerSecond, 0)) bytes/s = "
                               + "\(LinkBenchmark.format(row.share * 100, 0)) % of the line "
                               + "(\(LinkBenchmark.format(row.bytesPerFrame, 1)) bytes a frame)\n")
            } else {
                Console.output("highest rate sustained, \(protocolName): none of the rates tried\n")
            }
        }
        guard !noStall else { return }
        Console.output("\n")
        let stalled = try bench.stalledHost(rate: stallRate, seconds: stallSeconds)
        Console.output(stalled.text)
    }
}

/// The measurements behind `knead bench link`.
struct LinkBenchmark {
    static let rates: [Double] = [50, 100, 200, 250, 300, 325, 350, 400, 450, 500, 550, 600, 650, 700, 800, 1000]
    /// A TCode line that waited longer than this to cross was queued behind others.
    static let tcodeDelayLimit = 0.02

    let baud: Int
    let capacity: Double
    let tcodeProfile: DeviceProfile
    let kwpProfile: DeviceProfile

    init(baud: Int) throws {
        self.baud = baud
        capacity = Double(baud) / LinkPacer.bitsPerByte
        // The shipped profiles, with the rate cap lifted: the point is to find the line's.
        var tcode = try DeviceChoice.resolve("sr6")
        var kwp = try DeviceChoice.resolve("knead-chair")
        tcode.maxRate = 2000
        kwp.maxRate = 2000
        tcode.connection?.baud = baud
        kwp.connection?.baud = baud
        tcodeProfile = tcode
        kwpProfile = kwp
    }

    struct Row {
        var protocolName: String
        var rate: Double
        var framesSent: Int
        var bytesPerSecond: Double
        var share: Double
        var bytesPerFrame: Double
        var returnBytesPerSecond: Double
        var delayP99: Double
        var delayMax: Double
        var executed: Int?
        var late: Int?
        /// Wire protocol: FRAMES packets the host sent again, and how many of those after a timeout.
        var retransmitted: (packets: Int, timeouts: Int)?
        var error: String?
        var sustained: Bool

        static let header = "protocol  rate Hz  frames  host→device B/s  share   B/frame  device→host B/s  "
            + "line delay p99/max ms  executed  late  resent/timeouts  sustained"

        var line: String {
            func pad(_ text: String, _ width: Int) -> String {
                text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
            }
            var text = protocolName.padding(toLength: 8, withPad: " ", startingAt: 0)
            text += pad(String(Int(rate)), 9) + pad(String(framesSent), 8)
            text += pad(LinkBenchmark.format(bytesPerSecond, 0), 17) + pad(LinkBenchmark.format(share * 100, 1) + " %", 8)
            text += pad(LinkBenchmark.format(bytesPerFrame, 1), 9)
            text += pad(LinkBenchmark.format(returnBytesPerSecond, 0), 17)
            text += pad(LinkBenchmark.format(delayP99 * 1000, 1) + " / " + LinkBenchmark.format(delayMax * 1000, 1), 23)
            text += pad(executed.map(String.init) ?? "-", 10) + pad(late.map(String.init) ?? "-", 6)
            text += pad(retransmitted.map { "\($0.packets)/\($0.timeouts)" } ?? "-", 17)
            text += "  " + (sustained ? "yes" : "no") + (error.map { " (\($0))" } ?? "")
            return text
        }
    }

    /// Plays `seconds` of ever-changing frames at `rate` over the paced line.
    func measure(protocolName: String, rate: Double, seconds: Double) throws -> Row {
        let served = try ServedRun(protocolName: protocolName, baud: baud)
        defer { served.stopIfRunning() }
        served.start()
        let profile = protocolName == "tcode" ? tcodeProfile : kwpProfile
        var options = DeviceDrivers.Options(transport: .termios)
        options.kwp.closeTimeout = 0.5
        let backend: any Backend
        do {
            backend = try DeviceDrivers.backend(profile: profile, path: served.server.path, options: options)
        } catch {
            throw ValidationError("cannot make the \(protocolName) driver: \(error)")
        }
        let outcome = Self.play(backend: backend, profile: profile, rate: rate, seconds: seconds, stalls: nil)
        let report = served.finish()
        let hostStatistics = (backend as? KWPDriver)?.statistics
        let duration = Swift.max(1e-9, outcome.wallSeconds)
        let sent = Double(report.bytesFromHost)
        var row = Row(protocolName: protocolName, rate: rate, framesSent: outcome.framesSent,
                      bytesPerSecond: sent / duration, share: sent / duration / capacity,
                      bytesPerFrame: outcome.framesSent > 0 ? sent / Double(outcome.framesSent) : 0,
                      returnBytesPerSecond: Double(report.bytesToHost) / duration,
                      delayP99: report.linkDelayMilliseconds.p99 / 1000, delayMax: report.linkDelayMilliseconds.max / 1000,
                      executed: report.kwp?.executed, late: report.kwp?.late,
                      retransmitted: hostStatistics.map { ($0.retransmittedPackets, $0.retransmitTimeouts) },
                      error: outcome.error, sustained: false)
        if let kwp = report.kwp {
            // Every setpoint arrived in time. (`executed` may miss the very last one: the
            // closing STOP can reach the device just before its tick.)
            row.sustained = outcome.error == nil && kwp.accepted >= outcome.framesSent && kwp.late == 0
        } else {
            row.sustained = outcome.error == nil && row.delayMax <= Self.tcodeDelayLimit
        }
        return row
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

    // MARK: The stalled host

    struct StallReport {
        var rate: Double
        var seconds: Double
        var stalls: Int
        var framesSent: Int
        var executed: Int
        var lateOnDevice: Int
        /// Device execution time − due time, against the median (seconds).
        var deviceError: (p50: Double, p99: Double, max: Double)
        var hostLateness: LatenessSummary
        var error: String?

        var text: String {
            func ms(_ seconds: Double) -> String { LinkBenchmark.format(seconds * 1000, 2) + " ms" }
            func ns(_ nanoseconds: UInt64) -> String { LinkBenchmark.format(Double(nanoseconds) / 1e6, 2) + " ms" }
            var lines = ["Knead wire protocol at \(Int(rate)) Hz for \(LinkBenchmark.format(seconds, 0)) s, the host's "
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

    func stalledHost(rate: Double, seconds: Double) throws -> StallReport {
        let served = try ServedRun(protocolName: "kwp", baud: baud)
        defer { served.stopIfRunning() }
        let executions = Mutex<[(time: Double, count: Int)]>([])
        served.server.onExecuted = { time, count in executions.withLock { $0.append((time, count)) } }
        served.start()
        var options = DeviceDrivers.Options(transport: .termios)
        options.kwp.closeTimeout = 0.5
        let backend: any Backend
        do {
            backend = try DeviceDrivers.backend(profile: kwpProfile, path: served.server.path, options: options)
        } catch {
            throw ValidationError("cannot make the wire protocol driver: \(error)")
        }
        let plan = StallPlan(duration: 0.05, seed: 7)
        let outcome = Self.play(backend: backend, profile: kwpProfile, rate: rate, seconds: seconds, stalls: plan)
        let report = served.finish()
        // Setpoint n (in order, none lost) is frame n, due at origin + n / rate.
        var times: [Double] = []
        for execution in executions.withLock({ $0 }) {
            times += Array(repeating: execution.time, count: execution.count)
        }
        let offsets = times.enumerated().map { $0.element - Double($0.offset) / rate }
        let median = Self.percentile(offsets, 0.5)
        let errors = offsets.map { abs($0 - median) }
        return StallReport(rate: rate, seconds: seconds, stalls: plan.count, framesSent: outcome.framesSent,
                           executed: report.kwp?.executed ?? 0, lateOnDevice: report.kwp?.late ?? 0,
                           deviceError: (Self.percentile(errors, 0.5), Self.percentile(errors, 0.99), errors.max() ?? 0),
                           hostLateness: outcome.lateness, error: outcome.error)
    }

    static func percentile(_ values: [Double], _ p: Double) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        return sorted[Swift.min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded()))]
    }

    static func format(_ value: Double, _ decimals: Int) -> String {
        ServeReport.format(value, decimals)
    }
}

/// A `PtyServer` paced at the bench's baud rate, serving on its own thread.
final class ServedRun: @unchecked Sendable {
    let server: PtyServer
    private let done = DispatchSemaphore(value: 0)
    private var report: ServeReport?
    private var started = false

    init(protocolName: String, baud: Int) throws {
        let configuration = PtyServer.Configuration(
            protocol: ServedProtocol(rawValue: protocolName) ?? .tcode, profile: .chair, baud: baud, paced: true,
            traceInterval: nil, realtimePriority: SimCommand.realtimePriority)
        do {
            server = try PtyServer(configuration: configuration)
        } catch {
            throw ValidationError("\(error)")
        }
    }

    /// Starts serving (done by `finish` at the latest; call it first to set hooks).
    func start() {
        guard !started else { return }
        started = true
        let thread = Thread { [self] in
            report = server.run()
            done.signal()
        }
        thread.start()
        usleep(5_000)
    }

    func finish() -> ServeReport {
        start()
        usleep(50_000)  // what is still crossing the line arrives
        server.requestStop()
        done.wait()
        return report!
    }

    func stopIfRunning() {
        guard started, report == nil else { return }
        server.requestStop()
        done.wait()
    }
}

/// Frames whose every channel changes at every frame, slowly enough for the envelope's
/// slew limits: intensity, pressure and a circle on the back, as sines.
struct ChangingFrames: Sequence, IteratorProtocol {
    let rate: Double
    let count: Int
    private var index = 0

    init(rate: Double, count: Int) {
        self.rate = rate
        self.count = count
    }

    mutating func next() -> Frame? {
        guard index < count else { return nil }
        let t = Double(index) / rate
        index += 1
        let turn = 2 * Double.pi
        let x = 0.5 + 0.15 * sin(turn * 0.25 * t), y = 0.5 + 0.15 * cos(turn * 0.25 * t)
        return Frame(time: t, intensity: 0.5 + 0.2 * sin(turn * 0.7 * t), x: x, y: y,
                     pressure: 0.3 + 0.1 * sin(turn * 0.5 * t), heat: 0, technique: .vibration,
                     target: .point(BackPoint(x: x, y: y)), step: 0)
    }
}

/// When the host's engine stalls: for `duration`, at random moments about once a
/// second (each 0.5 … 1.5 s of session time after the one before); seeded, so runs repeat.
final class StallPlan: @unchecked Sendable {
    let duration: Double
    private let state = Mutex<(random: UInt64, next: Double, count: Int)>((0, 0, 0))

    init(duration: Double, seed: UInt64) {
        self.duration = duration
        state.withLock { state in
            state.random = seed
            state.next = 0.5 + Self.unit(&state.random)
        }
    }

    var count: Int { state.withLock { $0.count } }

    /// Whether to stall before sending the frame of session time `time`.
    func draw(at time: Double) -> Bool {
        state.withLock { state in
            guard time >= state.next else { return false }
            state.next = time + 0.5 + Self.unit(&state.random)
            state.count += 1
            return true
        }
    }

    /// SplitMix64, uniform in [0, 1).
    private static func unit(_ random: inout UInt64) -> Double {
        random &+= 0x9E37_79B9_7F4A_7C15
        var z = random
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Double(z >> 11) * 0x1.0p-53
    }
}

/// A backend that stalls the engine's thread (as a host hiccup would) before some sends.
final class StallingBackend: SessionTimedBackend, @unchecked Sendable {
    let base: any Backend
    let plan: StallPlan

    init(_ base: any Backend, plan: StallPlan) {
        self.base = base
        self.plan = plan
    }

    var capabilities: BackendCapabilities { base.capabilities }
    var telemetry: AsyncStream<Telemetry> { base.telemetry }
    func open() throws(BackendError) -> DeviceIdentity { try base.open() }
    func send(_ frame: SafeFrame) throws(BackendError) {
        if plan.draw(at: frame.time) { usleep(UInt32(plan.duration * 1e6)) }
        try base.send(frame)
    }
    func flush() throws(BackendError) { try base.flush() }
    func stop() throws(BackendError) { try base.stop() }
    func heartbeat() throws(BackendError) { try base.heartbeat() }
    func close() { base.close() }
    func sessionWillStart(at sessionStart: UInt64, on clock: any EngineClock) {
        (base as? SessionTimedBackend)?.sessionWillStart(at: sessionStart, on: clock)
    }
}
