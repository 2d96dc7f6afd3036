import Histogram
import KneadCore
import KneadSystem
import KneadWire
import Synchronization

/// `knead sim`'s engine: a pseudo-terminal whose far end a host opens as a serial port,
/// served with a protocol's device side on the simulator's physics (docs/sim.md).
///
/// One thread runs `run`, which loops until `requestStop` (from any thread) or the
/// hangup fault: it takes the host's bytes (paced at the baud rate when asked), damages
/// them as the faults say, hands them to the device side at their arrival time, runs
/// the device on the monotonic clock, and sends its answers back (paced as well).
/// Device time is seconds since the server was made; the trace counts from there.
public final class PtyServer: @unchecked Sendable {
    public struct Configuration: Sendable {
        public var `protocol`: DeviceProtocol
        /// The simulated device.
        public var profile: DeviceProfile
        public var body: BodyProfile
        public var baud: Int
        /// Take and send bytes at the baud rate's real speed (8N1, 10 bits a byte).
        public var paced: Bool
        public var faults: ServeFaults
        /// A trace row every this many seconds (and at every event); every tick when nil.
        public var traceInterval: Double?
        /// SCHED_FIFO priority for the thread that runs `run` (a device's firmware does not
        /// wait behind a compiler); nil: normal scheduling. Quietly normal where refused.
        public var realtimePriority: Int32?

        public init(protocol: DeviceProtocol, profile: DeviceProfile, body: BodyProfile = .default,
                    baud: Int = 115_200, paced: Bool = false, faults: ServeFaults = .none,
                    traceInterval: Double? = 0.01, realtimePriority: Int32? = nil) {
            self.protocol = `protocol`
            self.profile = profile
            self.body = body
            self.baud = baud
            self.paced = paced
            self.faults = faults
            self.traceInterval = traceInterval
            self.realtimePriority = realtimePriority
        }
    }

    public struct SetupError: Error, CustomStringConvertible {
        public var description: String
    }

    public let configuration: Configuration
    /// The slave side: the path a host opens.
    public let path: String
    /// CLOCK_MONOTONIC seconds at device time 0 (the trace's time 0), to line the trace
    /// up with other logs.
    public let clockOrigin: Double

    /// Link benchmark hook: executed setpoints per tick (knead wire protocol only).
    public var onExecuted: ((Double, Int) -> Void)? {
        get { (device as? KWPServedDevice)?.onExecuted }
        set { (device as? KWPServedDevice)?.onExecuted = newValue }
    }

    private let terminal: PseudoTerminal
    private let presence: HostPresence
    private let device: any ServedDevice
    private let traceWriter: TraceWriter?
    private let originNanoseconds: UInt64
    private let stopping = Atomic<Bool>(false)
    /// Wakes `run` from its poll; nil when the process was out of descriptors (then
    /// `run` notices a stop at its next poll timeout).
    private let wake: WakePipe?

    /// Creates the pseudo-terminal and the device; the device clock starts now.
    public init(configuration: Configuration, trace: TraceSink? = nil) throws(SetupError) {
        self.configuration = configuration
        let model = DeviceModel(profile: configuration.profile,
                                configuration: .served(body: configuration.body))
        switch configuration.protocol {
        case .tcode:
            let axes: TCodeAxisMap
            do {
                axes = try TCodeServedDevice.axisMap(for: configuration.profile)
            } catch {
                throw SetupError(description: "the \(configuration.profile.name) profile: \(error)")
            }
            device = TCodeServedDevice(model: model, axes: axes,
                                       firmware: "\(SimulatorBackend.firmware) (\(configuration.profile.name))")
        case .kwp:
            let deviceConfiguration = KWPServedDevice.configuration(
                for: configuration.profile, body: configuration.body, rest: model.configuration.restPosition)
            let served = KWPServedDevice(model: model, configuration: deviceConfiguration)
            served.clockRate = 1 + configuration.faults.clockDrift
            served.identifyFault = configuration.faults.identify
            device = served
        case .xbox360Rumble, .rezTranceVibrator:
            throw SetupError(description: "\(configuration.protocol.displayName) is a USB device's; knead sim serves "
                             + "tcode and kwp on a pseudo-terminal (the USB tests emulate the pad and the Rez with umockdev)")
        }
        do {
            terminal = try PseudoTerminal(baud: configuration.baud)
        } catch {
            throw SetupError(description: error.description)
        }
        path = terminal.path
        presence = HostPresence(path: terminal.path)
        wake = WakePipe()
        if let trace {
            let writer = TraceWriter(sink: trace, timeDecimals: SimulatorRuntime.decimals(for: model.tickRate))
            model.attachTrace(writer, interval: configuration.traceInterval)
            traceWriter = writer
        } else {
            traceWriter = nil
        }
        originNanoseconds = MonotonicTime.nanoseconds()
        clockOrigin = Double(originNanoseconds) / 1e9
    }

    deinit {
        terminal.close()
    }

    /// Ends `run` soon (within a millisecond or so). Any thread; signal handlers excepted.
    public func requestStop() {
        stopping.store(true, ordering: .releasing)
        wake?.wake()
    }

    /// Device seconds now.
    public func deviceTime() -> Double {
        Double(MonotonicTime.nanoseconds() &- originNanoseconds) / 1e9
    }

    // MARK: Serving

    /// Serves until `requestStop` or the hangup fault. `onEvent` and `onStatus` are
    /// called on this thread (`onStatus` every `statusInterval` seconds).
    public func run(statusInterval: Double = 0.1, onEvent: (ServeEvent) -> Void = { _ in },
                    onStatus: ((ServeStatus) -> Void)? = nil) -> ServeReport {
        if let priority = configuration.realtimePriority { _ = RealtimeScheduling.setFIFO(priority: priority) }
        var loop = ServeLoop(server: self)
        let ending = loop.serve(statusInterval: statusInterval, onEvent: onEvent, onStatus: onStatus)
        return finish(loop: loop, ending: ending)
    }

    fileprivate var faults: ServeFaults { configuration.faults }

    /// Writing the trace failed (the first error); serving goes on without it.
    public var traceError: TraceError? { traceWriter?.error }

    private func finish(loop: ServeLoop, ending: ServeEnding) -> ServeReport {
        let end = deviceTime()
        device.advance(to: end)
        let model = device.model
        let state = model.state
        let counters = model.counters
        model.finishTrace()
        terminal.close()
        var report = ServeReport(
            ending: ending, protocol: configuration.protocol, device: configuration.profile.name, path: path,
            seconds: end, clockOrigin: clockOrigin, paced: configuration.paced, baud: configuration.baud, faults: faults.description,
            hostConnections: presence.isWatching ? loop.connections : nil, bytesFromHost: loop.bytesFromHost,
            bytesToHost: loop.bytesToHost, bytesDiscarded: loop.bytesDiscarded,
            corruptedBytes: loop.injector.counters.corruptedBytes,
            corruptedMessages: loop.injector.counters.corruptedMessages,
            droppedMessages: loop.injector.counters.droppedMessages,
            stalls: loop.stallCount, linkDelayMilliseconds: loop.linkDelay.figures, tcode: nil, kwp: nil,
            deviceAtZero: state.isAtZero,
            deviceCounters: .init(setpoints: counters.framesApplied, rejectedMessages: counters.rejectedMessages,
                                  setIntensity: state.setIntensity, intensity: state.intensity),
            traceError: traceError?.description)
        switch device.protocolReport {
        case let .tcode(counters): report.tcode = counters
        case let .kwp(counters): report.kwp = counters
        }
        return report
    }

    /// The loop's state, kept apart from the server so the server stays immutable.
    private struct ServeLoop {
        let server: PtyServer
        var inbound: LinkPacer
        var outbound: LinkPacer
        var injector: ByteFaultInjector
        var linkDelay = DelayRecorder()
        var writeBacklog: [UInt8] = []
        var firstHostByte: Double?
        var lastActivity = -Double.infinity
        var stalled = false
        var traceFailureShown = false
        var hostLeftPending = false
        var stallCount = 0
        var connections = 0
        var bytesFromHost = 0
        var bytesToHost = 0
        var bytesDiscarded = 0

        /// Bytes waiting on the line before the simulator stops taking more from the
        /// terminal (then the host's own writes wait, as with a UART's transmit buffer).
        static let inboundLimit = 4096
        /// Device output the host does not take is kept up to this, then the oldest goes.
        static let backlogLimit = 65_536

        init(server: PtyServer) {
            self.server = server
            let baud = server.configuration.paced ? server.configuration.baud : nil
            inbound = LinkPacer(baud: baud)
            outbound = LinkPacer(baud: baud)
            injector = ByteFaultInjector(faults: server.faults, endings: server.configuration.protocol.messageEndings)
        }

        mutating func serve(statusInterval: Double, onEvent: (ServeEvent) -> Void,
                            onStatus: ((ServeStatus) -> Void)?) -> ServeEnding {
            let terminal = server.terminal
            let device = server.device
            let faults = server.faults
            var buffer = [UInt8](repeating: 0, count: 4096)
            var nextStatus = 0.0
            var nextTraceFlush = 1.0
            while true {
                let now = server.deviceTime()
                if server.stopping.load(ordering: .acquiring) { return .stopped }

                for change in server.presence.changes() {
                    switch change {
                    case let .opened(count):
                        connections += 1
                        if count == 1 { onEvent(ServeEvent(time: now, text: "a host opened the port")) }
                    case .closed(count: 0):
                        // What it wrote before closing still arrives (and is read below).
                        onEvent(ServeEvent(time: now, text: "the host closed the port"))
                        terminal.clearExclusive()
                        terminal.discardUnreadOutput()
                        outbound.discard()
                        writeBacklog.removeAll()
                        hostLeftPending = true
                    case .closed:
                        break
                    }
                }
                let hostPresent = !server.presence.isWatching || server.presence.openCount > 0

                if let first = firstHostByte {
                    let elapsed = now - first
                    if let hangUp = faults.hangUpAt, elapsed >= hangUp {
                        device.advance(to: now)
                        device.model.mark(.disconnect, at: now)
                        device.model.writeMarksNow(after: now)
                        terminal.close()
                        onEvent(ServeEvent(time: now, text: "hung up, \(ServeFaults.duration(hangUp)) after the host's "
                                           + "first byte (fault injection)"))
                        return .hungUp
                    }
                    let stallNow = faults.isStalled(at: elapsed)
                    if stallNow != stalled {
                        device.advance(to: now)
                        device.model.mark(stallNow ? .stall : .resume, at: now)
                        if stallNow { stallCount += 1 }
                        onEvent(ServeEvent(time: now, text: stallNow ? "stalled: the device stops reading and acting (fault injection)"
                                                                     : "resumed after the stall"))
                        stalled = stallNow
                    }
                }

                if !stalled {
                    // Take what the host wrote (up to what a UART would buffer).
                    while inbound.pendingCount < Self.inboundLimit {
                        guard let count = terminal.read(into: &buffer), count > 0 else { break }
                        inbound.enqueue(buffer[0..<count], seenAt: now + faults.latency)
                        bytesFromHost += count
                        lastActivity = now
                        if inbound.isPaced || faults.latency > 0, let arrival = inbound.lastArrival {
                            linkDelay.record(arrival - now)
                        }
                        if firstHostByte == nil {
                            firstHostByte = now
                            if !faults.isEmpty {
                                onEvent(ServeEvent(time: now, text: "first byte from the host: fault times count from here"))
                            }
                        }
                    }
                    if let arrived = inbound.release(upTo: now) {
                        let delivered = injector.fromHost(arrived.bytes)
                        device.receive(delivered[...], at: arrived.arrival)
                    }
                    device.advance(to: now)
                    if faults.hangUpOnStop && device.stopsReceived > 0 {
                        // Acted on, but its answer never leaves: the line is gone.
                        device.model.mark(.disconnect, at: now)
                        device.model.writeMarksNow(after: now)
                        terminal.close()
                        for event in device.takeEvents() { onEvent(event) }
                        onEvent(ServeEvent(time: now, text: "hung up as the STOP arrived (fault injection)"))
                        return .hungUp
                    }
                    if hostLeftPending && inbound.pendingCount == 0 && server.presence.openCount == 0 {
                        // Its last bytes have crossed: a half-sent message must not
                        // run into the next host's first one.
                        hostLeftPending = false
                        injector.resetMessage()
                        device.hostLeft(at: now)
                    }
                    let output = device.takeOutput()
                    if !output.isEmpty {
                        if faults.isMuted(at: firstHostByte.map { now - $0 }) || !hostPresent {
                            bytesDiscarded += output.count
                        } else {
                            outbound.enqueue(injector.toHost(output), seenAt: now)
                        }
                    }
                } else {
                    // The control loop is stalled; the motors run on.
                    device.model.advance(to: now)
                }

                if let leaving = outbound.release(upTo: now) { writeBacklog += leaving.bytes }
                if !writeBacklog.isEmpty {
                    let written = terminal.write(writeBacklog[...])
                    bytesToHost += written
                    writeBacklog.removeFirst(written)
                    if writeBacklog.count > Self.backlogLimit {
                        let excess = writeBacklog.count - Self.backlogLimit
                        bytesDiscarded += excess
                        writeBacklog.removeFirst(excess)
                    }
                }

                for event in device.takeEvents() { onEvent(event) }
                if let onStatus, now >= nextStatus {
                    nextStatus = now + statusInterval
                    onStatus(status(at: now, hostPresent: server.presence.isWatching ? hostPresent : nil))
                }
                if now >= nextTraceFlush {
                    nextTraceFlush = now + 1
                    server.traceWriter?.flush()
                    if !traceFailureShown, let error = server.traceError {
                        // Said at once, not only in the summary: a tail -f of the file would stall silently.
                        traceFailureShown = true
                        onEvent(ServeEvent(time: now, text: "the trace stopped: \(error)"))
                    }
                }

                // Wait: a millisecond (a device tick) while anything is going on,
                // longer when the port has been quiet for a while and no host is there.
                let busy = hostPresent || inbound.pendingCount > 0 || outbound.pendingCount > 0
                    || !writeBacklog.isEmpty || now - lastActivity < 5
                let takesInput = !stalled && inbound.pendingCount < Self.inboundLimit
                let outcome = Poll.wait([Poll.Request(takesInput ? terminal.master : -1, .readable),
                                         Poll.Request(server.wake?.readEnd ?? -1, .readable),
                                         Poll.Request(server.presence.pollDescriptor, .readable)],
                                        timeoutMilliseconds: busy ? 1 : 20)
                if case let .ready(got) = outcome, !got[1].isEmpty { server.wake?.drain() }
            }
        }

        func status(at time: Double, hostPresent: Bool?) -> ServeStatus {
            let model = server.device.model
            return ServeStatus(time: time, protocol: server.configuration.protocol, hostPresent: hostPresent,
                               bytesFromHost: bytesFromHost, bytesToHost: bytesToHost, stalled: stalled,
                               state: model.state, hasPosition: model.profile.position != nil,
                               hasPressure: model.profile.pressure != nil, note: server.device.statusNote)
        }
    }
}

/// Delays in seconds, kept as a histogram of microseconds (fixed size, whatever the
/// session's length).
struct DelayRecorder {
    private var histogram = Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000,
                                              numberOfSignificantValueDigits: .three)
    private var maximum = 0.0
    private var count = 0

    mutating func record(_ seconds: Double) {
        let value = Swift.max(0, seconds)
        let micros = UInt64(Swift.min(60_000_000, (value * 1e6).rounded()))
        histogram.record(Swift.max(1, micros))
        maximum = Swift.max(maximum, value)
        count += 1
    }

    var figures: ServeReport.Figures {
        guard count > 0 else { return ServeReport.Figures(p50: 0, p99: 0, max: 0) }
        func ms(_ micros: UInt64) -> Double { (Double(micros) / 1000 * 1000).rounded() / 1000 }
        return ServeReport.Figures(p50: ms(histogram.valueAtPercentile(50)), p99: ms(histogram.valueAtPercentile(99)),
                                   max: (maximum * 1e6).rounded() / 1000)
    }
}
