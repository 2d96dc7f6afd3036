import Foundation
import KneadCore
import KneadDrivers
import KneadEngine
import KneadSimulator
import KneadSystem
import Synchronization

/// `knead bench stop`: how long a stop takes to reach the OS while the line is
/// saturated (issue 7). For each protocol, the real driver plays ever-changing frames
/// through the engine at the protocol's highest sustained rate to `knead sim`'s
/// PtyServer, paced at the baud rate (docs/performance.md, "Serial link"); meanwhile,
/// at random moments, another thread calls the driver's `stop()` and times it from the
/// call to its return, which is when `write` has handed the stop's bytes to the OS.
/// The machine's floor is measured in the same run: a bare `write()` of the same stop
/// bytes to an idle pseudo-terminal. A last case times the port's stop past a writer
/// blocked on a full pseudo-terminal.
public struct StopBenchmark: Sendable {
    public struct Configuration: Sendable {
        public var stops = 200
        public var baud = 115_200
        /// Highest rates sustained over 115200 baud (docs/performance.md, issue 4).
        public var tcodeRate = 325.0
        public var kwpRate = 600.0
        /// Milliseconds between one stop and the next request: uniform in this range, so
        /// stops land at random moments of the writers' work.
        public var gap = 20.0...80.0
        public var seed: UInt64 = 7
        public init() {}
    }

    /// Latencies of one case, microseconds.
    public struct Summary: Codable, Sendable {
        public var name: String
        public var rate: Double?
        public var count: Int
        public var p50: Double
        public var p99: Double
        public var max: Double
        /// Bytes the host sent to the device a second, over the run, as a share of the line.
        public var lineShare: Double?
        public var error: String?
        /// The p99 this row is compared with, when not the run's floor (a USB device's
        /// own idle row).
        public var baselineP99: Double?

        init(name: String, rate: Double?, microseconds: [Double], lineShare: Double?, error: String?) {
            let sorted = microseconds.sorted()
            func at(_ q: Double) -> Double {
                sorted.isEmpty ? 0 : sorted[Swift.min(sorted.count - 1, Int((q * Double(sorted.count)).rounded(.up)) - 1)]
            }
            self.name = name
            self.rate = rate
            count = sorted.count
            p50 = at(0.5)
            p99 = at(0.99)
            max = sorted.last ?? 0
            self.lineShare = lineShare
            self.error = error
        }
    }

    public struct Report: Codable, Sendable {
        public var baud: Int
        public var stops: Int
        public var floor: Summary
        public var cases: [Summary]

        public var table: String {
            func pad(_ text: String, _ width: Int) -> String {
                text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
            }
            func us(_ value: Double) -> String { String(format: "%.1f", value) }
            let width = ([floor] + cases).map(\.name.count).reduce(38, Swift.max) + 2
            var lines = ["case".padding(toLength: width, withPad: " ", startingAt: 0)
                         + "rate Hz  line  stops   p50 µs   p99 µs   max µs  p99/floor p99"]
            for row in [floor] + cases {
                var line = row.name.padding(toLength: width, withPad: " ", startingAt: 0)
                line += pad(row.rate.map { String(Int($0)) } ?? "-", 7)
                line += pad(row.lineShare.map { String(format: "%.0f%%", $0 * 100) } ?? "-", 6)
                line += pad(String(row.count), 7) + pad(us(row.p50), 9) + pad(us(row.p99), 9) + pad(us(row.max), 9)
                let baseline = row.baselineP99 ?? floor.p99
                line += pad(baseline > 0 && row.count > 0 ? String(format: "%.1f×", row.p99 / baseline) : "-", 15)
                if let error = row.error { line += "  (\(error))" }
                lines.append(line)
            }
            return lines.joined(separator: "\n") + "\n"
        }
    }

    public let configuration: Configuration
    public let tcodeProfile: DeviceProfile
    public let kwpProfile: DeviceProfile

    /// `tcode` and `kwp`: the profiles to drive (their rate caps are lifted to the rates).
    public init(configuration: Configuration = Configuration(), tcode: DeviceProfile, kwp: DeviceProfile) {
        self.configuration = configuration
        var tcode = tcode
        var kwp = kwp
        tcode.maxRate = Swift.max(tcode.maxRate, configuration.tcodeRate)
        kwp.maxRate = Swift.max(kwp.maxRate, configuration.kwpRate)
        tcode.connection?.baud = configuration.baud
        kwp.connection?.baud = configuration.baud
        tcodeProfile = tcode
        kwpProfile = kwp
    }

    /// The floor alone, for a run that measures only USB devices.
    public func floorOnly() -> Report {
        Report(baud: configuration.baud, stops: configuration.stops,
               floor: Self.floor(stops: configuration.stops, bytes: Array("DSTOP\nV00000\n".utf8)), cases: [])
    }

    public func run() -> Report {
        let floor = Self.floor(stops: configuration.stops, bytes: Array("DSTOP\nV00000\n".utf8))
        let tcode = measure(protocol: .tcode, profile: tcodeProfile, rate: configuration.tcodeRate,
                            name: "TCode (\(tcodeProfile.name), \(tcodeProfile.connection?.axes.sorted.count ?? 0) axes)")
        let kwp = measure(protocol: .kwp, profile: kwpProfile, rate: configuration.kwpRate,
                          name: "knead wire protocol (\(kwpProfile.name))")
        let blocked = Self.blockedWriter(stops: configuration.stops, bytes: [0x00, 0x03, 0x11, 0x22, 0x00],
                                         seed: configuration.seed)
        return Report(baud: configuration.baud, stops: configuration.stops, floor: floor, cases: [tcode, kwp, blocked])
    }

    // MARK: A writer blocked on a full line

    /// The case issue 7 is about, on the port alone: a writer blocked on a full
    /// pseudo-terminal (its far end reads nothing; the writer's timeout 10 s), and a
    /// discarding stop (`tcflush`, then the bytes) from another thread 0–2 ms after the
    /// writer started waiting. Timed from the request to `writeStop`'s return.
    static func blockedWriter(stops: Int, bytes: [UInt8], seed: UInt64) -> Summary {
        let name = "port: writer blocked on a full pty"
        guard let (master, slavePath) = openPseudoTerminal() else {
            return Summary(name: name, rate: nil, microseconds: [], lineShare: nil, error: "no pseudo-terminal")
        }
        defer { Descriptor.close(master) }
        let port: SerialPort
        do {
            port = try SerialPort.open(slavePath, settings: SerialSettings(writeTimeout: 10), choice: .termios)
        } catch {
            return Summary(name: name, rate: nil, microseconds: [], lineShare: nil, error: "\(error)")
        }
        defer { port.close() }
        let blob = [UInt8](repeating: UInt8(ascii: "x"), count: 65_536)
        var random = SplitMix64(seed: seed)
        var samples: [Double] = []
        var sink = [UInt8](repeating: 0, count: 65_536)
        for _ in 0..<stops {
            let writer = Finished<Bool>()
            Thread { writer.set((try? port.write(blob)) == .preemptedByStop) }.start()
            while port.writersWaiting == 0, !writer.isSet { ThreadPause.sleep(microseconds: 50) }
            ThreadPause.sleep(microseconds: UInt32(random.unit() * 2000))
            let requested = now()
            do {
                try port.writeStop(bytes, discipline: .discardQueued)
            } catch {
                return Summary(name: name, rate: nil, microseconds: samples, lineShare: nil, error: "\(error)")
            }
            samples.append(Double(now() - requested) / 1000)
            guard writer.wait() else {
                return Summary(name: name, rate: nil, microseconds: samples, lineShare: nil,
                               error: "the writer was not cut short")
            }
            // Empty the far end down to the stop's bytes, ready for the next round.
            var arrived: [UInt8] = []
            while !arrived.suffix(bytes.count).elementsEqual(bytes) {
                guard case .ready = Poll.wait([Poll.Request(master, .readable)], timeoutMilliseconds: 1000) else {
                    return Summary(name: name, rate: nil, microseconds: samples, lineShare: nil,
                                   error: "the stop's bytes did not arrive")
                }
                if case let .moved(count) = sink.withUnsafeMutableBytes({ Descriptor.read(master, into: $0) }) {
                    arrived += sink[0..<count]
                }
            }
        }
        return Summary(name: name, rate: nil, microseconds: samples, lineShare: nil, error: nil)
    }

    /// A new pseudo-terminal: the master (non-blocking) and the slave's path.
    static func openPseudoTerminal() -> (Int32, String)? {
        guard let pair = try? PseudoTerminalPair.open() else { return nil }
        Descriptor.setNonBlocking(pair.master)
        return (pair.master, pair.slavePath)
    }

    // MARK: The floor

    /// A bare non-blocking `write()` of `bytes` to an idle pseudo-terminal, drained after each.
    static func floor(stops: Int, bytes: [UInt8]) -> Summary {
        let name = "floor: bare write() to an idle pty"
        guard let (master, slavePath) = openPseudoTerminal() else {
            return Summary(name: name, rate: nil, microseconds: [], lineShare: nil, error: "no pseudo-terminal")
        }
        defer { Descriptor.close(master) }
        guard case let .success(slave) = Descriptor.openTerminalDevice(slavePath) else {
            return Summary(name: name, rate: nil, microseconds: [], lineShare: nil, error: "cannot open the pty")
        }
        defer { Descriptor.close(slave) }
        PseudoTerminalPair.makeRaw(slave, baud: nil)
        var samples: [Double] = []
        var sink = [UInt8](repeating: 0, count: 4096)
        for _ in 0..<stops {
            let started = Self.now()
            _ = bytes.withUnsafeBytes { Descriptor.write(slave, $0) }
            samples.append(Double(Self.now() - started) / 1000)
            _ = Poll.wait([Poll.Request(master, .readable)], timeoutMilliseconds: 100)
            while case let .moved(count) = sink.withUnsafeMutableBytes({ Descriptor.read(master, into: $0) }), count > 0 {}
        }
        return Summary(name: name, rate: nil, microseconds: samples, lineShare: nil, error: nil)
    }

    // MARK: A protocol

    func measure(protocol served: DeviceProtocol, profile: DeviceProfile, rate: Double, name: String) -> Summary {
        func failed(_ error: String) -> Summary {
            Summary(name: name, rate: rate, microseconds: [], lineShare: nil, error: error)
        }
        let server: PtyServer
        do {
            server = try PtyServer(configuration: PtyServer.Configuration(
                protocol: served, profile: .chair, baud: configuration.baud, paced: true, traceInterval: nil,
                realtimePriority: 40))
        } catch {
            return failed("\(error)")
        }
        let serving = Finished<ServeReport>()
        Thread { serving.set(server.run()) }.start()
        defer { server.requestStop() }
        var options = DeviceDrivers.Options(transport: .termios)
        options.tcode.connectTimeout = 0.3
        options.kwp.closeTimeout = 0.5
        let backend: any Backend
        do {
            backend = try DeviceDrivers.backend(profile: profile, path: server.path, options: options)
            _ = try backend.open()
        } catch {
            return failed("\(error)")
        }
        var samples: [Double] = []
        let run = Self.stopsWhilePlaying(backend: backend, profile: profile, rate: rate, configuration: configuration) {
            samples.append(Double(Self.now() - $0) / 1000)
        }
        var error = run.error
        let wall = run.wallSeconds
        backend.close()
        server.requestStop()
        let report = serving.wait()
        if error == nil, samples.count < configuration.stops {
            error = "play ended early: \(run.result.endReason)"
        }
        let share = Double(report.bytesFromHost) / wall / (Double(configuration.baud) / LinkPacer.bitsPerByte)
        return Summary(name: name, rate: rate, microseconds: samples, lineShare: share, error: error)
    }

    static func now() -> UInt64 {
        MonotonicTime.nanoseconds()
    }

    /// What `stopsWhilePlaying` saw: the first stop that failed, the run, its wall time.
    struct PlayedStops {
        var error: String?
        var result: RunResult
        var wallSeconds: Double
    }

    /// Plays ever-changing frames at `rate` through `backend` (opened) on the engine and,
    /// from this thread, calls `stop()` `configuration.stops` times at random moments
    /// (`gap` apart, seeded); `stopped` gets each request's time (monotonic ns) once
    /// `stop()` has returned. A stopped driver sends nothing more in its run, so each is
    /// re-armed as the next run would, and the line fills again for the next stop.
    /// Ends the engine; the caller closes the backend.
    static func stopsWhilePlaying(backend: any Backend, profile: DeviceProfile, rate: Double,
                                  configuration: Configuration, stopped: (UInt64) -> Void) -> PlayedStops {
        // Long enough for every stop and its gap; the engine is ended early when they are done.
        let seconds = Double(configuration.stops) * (configuration.gap.upperBound / 1000 + 0.01) + 10
        let limits = SafetyLimits.resolve(device: profile, sessionCap: seconds + 60)
        let frames = ChangingFrames(rate: rate, count: Int(seconds * rate))
            .safe(through: SafetyEnvelope(limits: limits), period: 1 / rate)
        let engine = Engine(backend: backend, clock: MonotonicClock(), configuration: EngineConfiguration(rate: rate))
        let played = Finished<RunResult>()
        let started = now()
        Thread { played.set(engine.run(frames.makeIterator())) }.start()
        var random = SplitMix64(seed: configuration.seed)
        var error: String?
        // Let the line fill before the first stop.
        ThreadPause.sleep(microseconds: 300_000)
        for _ in 0..<configuration.stops {
            let gap = configuration.gap.lowerBound
                + (configuration.gap.upperBound - configuration.gap.lowerBound) * random.unit()
            ThreadPause.sleep(microseconds: UInt32(gap * 1000))
            if played.isSet { break }
            let requested = now()
            do {
                try backend.stop()
            } catch let failure {
                error = "\(failure)"
                break
            }
            stopped(requested)
            backend.runWillStart()
        }
        let wall = Double(now() - started) / 1e9
        _ = engine.requestStop()
        return PlayedStops(error: error, result: played.wait(), wallSeconds: wall)
    }
}
