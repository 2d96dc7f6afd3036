/// Tunables of the host side. The defaults are the values docs/protocol.md names.
public struct KWPHostConfiguration: Sendable, Equatable {
    /// HELLO is repeated this often until IDENTIFY arrives, seconds. IDENTIFY is long
    /// (about 80 bytes): on a noisy line most are damaged, so ask often.
    public var helloInterval = 0.1
    /// No IDENTIFY within this long after `start`: the session fails, seconds.
    public var identifyTimeout = 2.0
    /// CLOCK round trips taken (one at a time) before the session is ready.
    public var initialClockSamples = 6
    /// A CLOCK request unanswered this long during the handshake is given up, seconds.
    public var clockReplyTimeout = 0.05
    /// CLOCK requests while streaming, seconds apart.
    public var clockSyncInterval = 0.5
    /// A batch goes out when it is full or its first setpoint is due within this, seconds.
    public var batchLead = 0.12
    /// Setpoints handed over with less lead than this are counted in
    /// `statistics.shortLeadSetpoints` (they are still sent), seconds.
    public var minimumLead = 0.1
    /// Unacknowledged FRAMES packets at most.
    public var maxInFlight = 8
    /// Longest FRAMES packet (before COBS), bytes. Short packets survive a noisy line:
    /// at 1 % corrupted bytes a 64-byte packet arrives intact half the time, a 240-byte
    /// one a tenth of the time. 64 is Klipper's block size.
    public var maxPacketBytes = 48
    /// Retransmit timeout before any round trip was measured, and its bounds, seconds.
    public var initialRetransmitTimeout = 0.05
    public var minimumRetransmitTimeout = 0.025
    public var maximumRetransmitTimeout = 0.05
    /// While setpoints wait for room in the device's buffer, a HEARTBEAT asks for the
    /// current free space this often, seconds.
    public var creditProbeInterval = 0.02
    /// Nothing sent for this long: send a HEARTBEAT. Nil: a quarter of the device's watchdog.
    /// While the device has answered nothing of ours for this long (a HEARTBEAT or its
    /// ACK lost to noise), HEARTBEATs go four times as often, so that the watchdog is fed
    /// however unlucky the line: at 1 % corrupted bytes three lost in a row were enough.
    public var heartbeatInterval: Double?
    /// Nothing valid received for this long: the device is gone. Nil: max(0.5 s, 4 × watchdog).
    public var deviceSilenceTimeout: Double?

    public init() {}
}

public enum KWPHostState: Equatable, Sendable {
    /// `start` not called yet.
    case idle
    /// HELLO sent, waiting for IDENTIFY.
    case identifying
    /// Taking the first CLOCK round trips.
    case synchronizing
    /// Streaming.
    case ready
    /// STOP sent, waiting for STOPPED; setpoints given now wait until it arrives.
    case stopping
    /// The session is over; `error` says why.
    case failed(KWPHostError)
}

/// Why a session failed, worded for the person at the keyboard.
public enum KWPHostError: Error, Equatable, Sendable, CustomStringConvertible {
    case identifyTimedOut(seconds: Double)
    /// Answers came during identification but none arrived whole (a noisy line, a
    /// wrong baud rate).
    case identifyDamaged(seconds: Double, frames: Int)
    case unsupportedVersion(UInt8)
    case deviceSilent(seconds: Double)
    case deviceHalted(KWPFault)
    case notAccepting
    case protocolViolation(String)

    public var description: String {
        switch self {
        case let .identifyTimedOut(seconds):
            return "the device did not answer identify (HELLO) within \(seconds) s: check the port and "
                + "baud rate, and that its firmware speaks the knead wire protocol (docs/protocol.md)"
        case let .identifyDamaged(seconds, frames):
            return "the device answered identify (HELLO) but none of its answers arrived whole within \(seconds) s "
                + "(\(frames) damaged frames): the line damages bytes or the baud rate is wrong; check the cable and "
                + "the profile's baud"
        case let .unsupportedVersion(version):
            return "the device speaks knead wire protocol version \(version); this knead speaks version "
                + "\(KWP.version): update the firmware or knead"
        case let .deviceSilent(seconds):
            return "the device stopped answering (nothing valid for \(seconds) s): check the cable and power"
        case let .deviceHalted(fault):
            return "the device halted itself: \(fault.code.summary) (detail \(fault.detail))"
        case .notAccepting:
            return "the device refuses frames: it restarted or halted; start play again"
        case let .protocolViolation(what):
            return "protocol error: \(what)"
        }
    }
}

extension KWPFaultCode {
    /// What the code means, for messages.
    public var summary: String {
        switch self {
        case .lateSetpoint: return "a setpoint arrived after its time"
        case .malformed: return "a packet did not follow the protocol"
        case .unsupportedVersion: return "a packet had an unsupported version"
        case .unknownType: return "a packet had an unknown type"
        case .watchdog: return "its watchdog fired because the host fell silent"
        case .overTemperature: return "over temperature"
        case .motor: return "motor fault"
        case .userStop: return "its own stop button was pressed"
        case .internal: return "internal fault"
        default: return "fault code 0x" + String(rawValue, radix: 16)
        }
    }
}

/// What happened in the session, for the driver to act on.
public enum KWPHostEvent: Equatable, Sendable {
    case identified(KWPIdentity)
    /// Identified and the clock synchronised: setpoints flow from now on.
    case ready
    case telemetry(KWPTelemetry)
    case fault(KWPFault)
    case stopConfirmed
    case failed(KWPHostError)
}

public struct KWPHostStatistics: Equatable, Sendable {
    public var framesPacketsSent = 0
    public var setpointsSent = 0
    public var setpointsAcknowledged = 0
    public var retransmittedPackets = 0
    public var retransmitTimeouts = 0
    public var naksReceived = 0
    /// NAKs saying a FRAMES packet was malformed (damage that passed the CRC).
    public var malformedNaks = 0
    public var corruptFramesReceived = 0
    public var shortLeadSetpoints = 0
    public var heartbeatsSent = 0
    public var clockSamples = 0
    public init() {}
}

/// The host side of the knead wire protocol as a state machine without I/O.
///
/// The driver feeds it what the port received (`receive`), calls `poll` regularly (at
/// least every few milliseconds, or at `nextPollTime`), hands it setpoints ahead of time
/// (`enqueue`), and writes whatever `takeOutput` returns. All times are the host's
/// monotonic clock in seconds. `stop` puts STOP ahead of everything not yet taken.
///
/// ```
/// var session = KWPHostSession()
/// session.start(now: clock.now)                 // HELLO
/// loop: port.write(session.takeOutput())
///       session.receive(port.read(), now: clock.now)
///       session.poll(now: clock.now)
///       for event in session.takeEvents() { … } // .ready, .telemetry, .failed …
/// session.enqueue(values, at: hostTimeOfFrame)  // ≥ 100 ms ahead (lead mode)
/// session.stop(now: clock.now)                  // priority
/// ```
package struct KWPHostSession: Sendable {
    package let configuration: KWPHostConfiguration
    package private(set) var state: KWPHostState = .idle
    package private(set) var identity: KWPIdentity?
    package private(set) var clock: KWPClockEstimator?
    package private(set) var statistics = KWPHostStatistics()
    /// The latest TELEMETRY.
    package private(set) var lastTelemetry: KWPTelemetry?

    private struct PendingSetpoint: Sendable {
        var hostTime: Double
        var values: KWPChannelValues
    }

    private struct InFlight: Sendable {
        var seq: UInt8
        var frame: [UInt8]
        var count: Int
        var sentAt: Double?
        var transmissions = 0
        /// `goBacks` when the packet was first sent.
        var firstSentAfterGoBack = 0
    }

    private struct OutgoingFrame: Sendable {
        var bytes: [UInt8]
        var isFrames: Bool
    }

    private var output: [OutgoingFrame] = []
    private var events: [KWPHostEvent] = []
    private var decoder = KWPStreamDecoder()

    private var pending: [PendingSetpoint] = []
    private var pendingHead = 0
    private var window: [InFlight] = []
    private var nextSequence: UInt8 = 0
    private var deviceFree = 0
    private var lastTicks: UInt64 = 0

    private var nextTag: UInt8 = 1
    private var startedAt = 0.0
    private var helloSentAt = 0.0
    private var clockRequests: [(tag: UInt8, sentAt: Double)] = []
    private var lastClockRequestAt = -Double.infinity
    private var stopTag: UInt8 = 0
    private var stopSentAt = 0.0
    private var lastSentAt = 0.0
    private var lastReceivedAt = 0.0
    /// When the device last answered something of ours (ACK, NAK, CLOCK, STOPPED,
    /// IDENTIFY): proof that it heard us, so that its watchdog was fed.
    private var lastAnsweredAt = 0.0
    private var lastProbeAt = -Double.infinity

    private var smoothedRoundTrip: Double?
    private var roundTripDeviation = 0.0
    private var retransmitTimeout: Double
    /// The last go-back: from which sequence, and the tag of the CLOCK_REQUEST sent just
    /// before the resent packets. The line is FIFO both ways, so once that CLOCK reply is
    /// in, every NAK caused by a packet sent before the go-back has been seen: a NAK after
    /// it means a resent packet was lost too, and calls for another go-back at once.
    private var lastGoBack: (seq: UInt8, marker: UInt8, markerAnswered: Bool)?
    /// Go-backs so far: a packet first sent after the last one cannot have caused a stale NAK.
    private var goBacks = 0
    /// Setpoints per packet now: halved whenever packets are lost, one more after
    /// `cleanAcksToGrow` clean acknowledgements in a row, up to `batchLimit` (additive
    /// increase, multiplicative decrease). Slow growth keeps packets short on a line that
    /// keeps losing them, where a longer packet is more likely to be hit again.
    private var adaptiveBatchLimit = 255
    /// The values of the last setpoint put in a FRAMES packet: a packet carries only the
    /// channels that change from it (docs/protocol.md 3.3). Nil after IDENTIFY and STOP,
    /// when the device's base is its rest, so the next packet carries every channel.
    private var lastFramed: KWPChannelValues?
    private var cleanAcks = 0
    private var malformedStreak: (seq: UInt8, count: Int) = (0, 0)
    private static let cleanAcksToGrow = 16

    package init(configuration: KWPHostConfiguration = KWPHostConfiguration()) {
        self.configuration = configuration
        retransmitTimeout = configuration.initialRetransmitTimeout
    }

    // MARK: Driving the session

    /// Opens the session: a 0x00 to end any noise on the line, then HELLO.
    package mutating func start(now: Double) {
        output.removeAll()
        events.removeAll()
        decoder.reset()
        state = .identifying
        startedAt = now
        lastReceivedAt = now
        lastAnsweredAt = now
        output.append(OutgoingFrame(bytes: [KWP.delimiter], isFrames: false))
        sendHello(now: now)
    }

    /// Bytes from the device.
    package mutating func receive<S: Sequence>(_ bytes: S, now: Double) where S.Element == UInt8 {
        for byte in bytes {
            guard let result = decoder.push(byte) else { continue }
            switch result {
            case let .success(message):
                lastReceivedAt = now
                handle(message, now: now)
            case let .failure(.unsupportedVersion(version)):
                fail(.unsupportedVersion(version))
            case .failure(.malformed(.identify)) where state == .identifying:
                // Whole and checked, but not an IDENTIFY: the firmware is wrong, not the line.
                fail(.protocolViolation("the device answered identify (HELLO) with an IDENTIFY that does not follow "
                                        + "docs/protocol.md 3.1 (wrong length or layout): check its firmware"))
            case .failure:
                statistics.corruptFramesReceived += 1
            }
        }
    }

    /// Hands over a setpoint for host time `hostTime`, ideally at least `batchLead` ahead.
    /// Ignored once the session has failed.
    package mutating func enqueue(_ values: KWPChannelValues, at hostTime: Double) {
        if case .failed = state { return }
        if state == .idle { return }
        pending.append(PendingSetpoint(hostTime: hostTime, values: values))
    }

    package mutating func enqueue(_ values: ChannelValues, at hostTime: Double) {
        enqueue(KWPChannelValues(values), at: hostTime)
    }

    /// Priority stop: every queued and unsent setpoint is discarded and STOP goes out
    /// ahead of anything not yet taken by `takeOutput`. Repeated until STOPPED arrives.
    package mutating func stop(now: Double) {
        pending.removeAll()
        pendingHead = 0
        window.removeAll()
        lastGoBack = nil
        lastFramed = nil
        output.removeAll { $0.isFrames }
        stopTag = takeTag()
        let frame = KWPMessage.stop(tag: stopTag, nextSequence: nextSequence).encodedFrame()
        output.insert(OutgoingFrame(bytes: frame, isFrames: false), at: 0)
        stopSentAt = now
        lastSentAt = now
        switch state {
        case .ready, .stopping, .synchronizing:
            state = .stopping
        case .identifying, .idle, .failed:
            break  // sent as a courtesy; nothing to confirm
        }
    }

    /// Runs the timers: HELLO retries, clock sync, batching, retransmission, heartbeat,
    /// silence detection.
    package mutating func poll(now: Double) {
        switch state {
        case .idle, .failed:
            return
        case .identifying:
            if now - startedAt >= configuration.identifyTimeout {
                let damaged = statistics.corruptFramesReceived
                fail(damaged > 0 ? .identifyDamaged(seconds: configuration.identifyTimeout, frames: damaged)
                                 : .identifyTimedOut(seconds: configuration.identifyTimeout))
            } else if now - helloSentAt >= configuration.helloInterval {
                sendHello(now: now)
            }
            return
        case .synchronizing, .ready, .stopping:
            break
        }
        if now - lastReceivedAt >= silenceTimeout {
            fail(.deviceSilent(seconds: silenceTimeout))
            return
        }
        switch state {
        case .synchronizing:
            clockRequests.removeAll { now - $0.sentAt >= configuration.clockReplyTimeout }
            if clockRequests.isEmpty { sendClockRequest(now: now) }
        case .stopping:
            if now - stopSentAt >= retransmitTimeout {
                output.append(OutgoingFrame(bytes: KWPMessage.stop(tag: stopTag, nextSequence: nextSequence)
                    .encodedFrame(), isFrames: false))
                stopSentAt = now
                lastSentAt = now
            }
        case .ready:
            if now - lastClockRequestAt >= configuration.clockSyncInterval {
                clockRequests.removeAll { now - $0.sentAt >= configuration.clockSyncInterval }
                sendClockRequest(now: now)
            }
            checkRetransmitTimeout(now: now)
            formBatches(now: now)
            transmitWindow(now: now)
        default:
            break
        }
        if now >= nextHeartbeatTime { sendHeartbeat(now: now) }
    }

    /// Bytes to write to the port, STOP first when there is one.
    package mutating func takeOutput() -> [UInt8] {
        let bytes = output.flatMap(\.bytes)
        output.removeAll()
        return bytes
    }

    package mutating func takeEvents() -> [KWPHostEvent] {
        let taken = events
        events.removeAll()
        return taken
    }

    /// When `poll` next has something to do (nil: nothing scheduled).
    package var nextPollTime: Double? {
        switch state {
        case .idle, .failed:
            return nil
        case .identifying:
            return min(helloSentAt + configuration.helloInterval, startedAt + configuration.identifyTimeout)
        case .synchronizing:
            return (clockRequests.first?.sentAt).map { $0 + configuration.clockReplyTimeout } ?? lastSentAt
        case .stopping:
            return min(stopSentAt + retransmitTimeout, nextHeartbeatTime)
        case .ready:
            var next = min(nextHeartbeatTime, lastClockRequestAt + configuration.clockSyncInterval,
                           lastReceivedAt + silenceTimeout)
            if let sentAt = window.first?.sentAt { next = min(next, sentAt + retransmitTimeout) }
            if pendingHead < pending.count {
                next = min(next, pending[pendingHead].hostTime - configuration.batchLead)
                if credit <= 0 { next = min(next, lastProbeAt + configuration.creditProbeInterval) }
            }
            return next
        }
    }

    /// Setpoints handed over and not yet acknowledged by the device.
    package var unacknowledgedSetpoints: Int { unsentSetpoints + unconfirmedSetpoints }

    /// Setpoints queued that have not gone out yet.
    package var unsentSetpoints: Int { pending.count - pendingHead }

    /// Setpoints sent in packets the device has not acknowledged yet.
    package var unconfirmedSetpoints: Int { window.reduce(0) { $0 + $1.count } }

    /// Host time → device ticks, once synchronised.
    package func deviceTicks(atHostTime hostTime: Double) -> Double? {
        clock?.deviceTicks(atHostTime: hostTime)
    }

    // MARK: Receiving

    private mutating func handle(_ message: KWPMessage, now: Double) {
        switch message {
        case .identify, .clock, .ack, .stopped: lastAnsweredAt = now
        case let .nak(_, _, reason, _) where reason != .corrupt: lastAnsweredAt = now
        default: break  // a NAK for a damaged packet: the watchdog was not fed
        }
        switch message {
        case let .identify(_, identity):
            // Any HELLO's answer will do: a slow device may answer an earlier one, and
            // every HELLO went out before any FRAMES, so a later one resets nothing sent.
            guard state == .identifying else { return }
            handleIdentify(identity, now: now)
        case let .clock(tag, deviceTime):
            if lastGoBack?.marker == tag { lastGoBack?.markerAnswered = true }
            guard let index = clockRequests.firstIndex(where: { $0.tag == tag }) else { return }
            let sentAt = clockRequests[index].sentAt
            clockRequests.remove(at: index)
            clock?.addSample(sentAt: sentAt, deviceTicks: deviceTime, receivedAt: now)
            statistics.clockSamples += 1
            if state == .synchronizing, let clock, clock.samples.count >= configuration.initialClockSamples {
                state = .ready
                events.append(.ready)
            }
        case let .ack(next, free):
            handleAcknowledgement(next: next, free: free, now: now)
        case let .nak(next, free, reason, refused):
            statistics.naksReceived += 1
            handleNak(next: next, free: free, reason: reason, refused: refused, now: now)
        case let .stopped(tag, free):
            guard state == .stopping, tag == stopTag else { return }
            deviceFree = Int(free)
            let synchronized = (clock?.samples.count ?? 0) >= configuration.initialClockSamples
            state = synchronized ? .ready : .synchronizing
            events.append(.stopConfirmed)
        case let .telemetry(_, telemetry):
            lastTelemetry = telemetry
            events.append(.telemetry(telemetry))
        case let .fault(_, fault):
            events.append(.fault(fault))
            if fault.code.isHalting { fail(.deviceHalted(fault)) }
        case .hello, .clockRequest, .frames, .stop, .heartbeat:
            break  // our own messages echoed (a loopback): not for us
        }
    }

    private mutating func handleIdentify(_ identity: KWPIdentity, now: Double) {
        let parameters = identity.parameters
        guard parameters.clockHz > 0, parameters.bufferDepth > 0, parameters.maxBatch > 0,
              !identity.channels.isEmpty
        else {
            fail(.protocolViolation("IDENTIFY announces no channels, no buffer or no clock"))
            return
        }
        self.identity = identity
        clock = KWPClockEstimator(nominalHz: Double(parameters.clockHz))
        deviceFree = Int(parameters.bufferDepth)
        nextSequence = 0
        window.removeAll()
        lastFramed = nil
        state = .synchronizing
        events.append(.identified(identity))
        sendClockRequest(now: now)
    }

    /// How far `next` is past the window's first packet, if it lies inside the window.
    private func acknowledgedCount(next: UInt8) -> Int? {
        let base = window.first?.seq ?? nextSequence
        let distance = Int(next &- base)
        return distance <= window.count ? distance : nil
    }

    private mutating func handleAcknowledgement(next: UInt8, free: UInt16, now: Double) {
        guard state == .ready || state == .synchronizing, let count = acknowledgedCount(next: next)
        else { return }
        deviceFree = Int(free)
        if count == 0 { return }
        let acknowledged = window.prefix(count)
        window.removeFirst(count)
        statistics.setpointsAcknowledged += acknowledged.reduce(0) { $0 + $1.count }
        // Karn: only a packet sent exactly once gives a round trip.
        if let newest = acknowledged.last, newest.transmissions == 1, let sentAt = newest.sentAt {
            updateRoundTrip(now - sentAt)
        }
        retransmitTimeout = currentTimeoutFromRoundTrip
        if acknowledged.allSatisfy({ $0.transmissions == 1 }) {
            cleanAcks += 1
            if cleanAcks >= Self.cleanAcksToGrow {
                cleanAcks = 0
                adaptiveBatchLimit = min(batchLimit, adaptiveBatchLimit + 1)
            }
        }
    }

    private mutating func handleNak(next: UInt8, free: UInt16, reason: KWPNakReason, refused: UInt8,
                                    now: Double) {
        switch reason {
        case .notAccepting:
            if state == .ready || state == .stopping { fail(.notAccepting) }
            return
        case .malformed:
            // Line damage that slipped past the CRC (1 in 65536 damaged packets) reads
            // as malformed once; the same packet refused again and again is a real
            // disagreement about the format.
            statistics.malformedNaks += 1
            malformedStreak = malformedStreak.seq == refused ? (refused, malformedStreak.count + 1) : (refused, 1)
            if malformedStreak.count >= 3 {
                fail(.protocolViolation("the device called FRAMES packet \(refused) malformed three times"))
                return
            }
        case .gap, .corrupt, .noRoom:
            break
        }
        guard state == .ready, let count = acknowledgedCount(next: next) else { return }
        deviceFree = Int(free)
        if count > 0 {
            statistics.setpointsAcknowledged += window.prefix(count).reduce(0) { $0 + $1.count }
            window.removeFirst(count)
        }
        guard let first = window.first, first.sentAt != nil else { return }
        // A NAK caused by a packet sent before the last go-back is stale: ignore it. It is
        // fresh when the go-back's marker has been answered (FIFO), or when the refused
        // packet was first sent after the go-back.
        if let last = lastGoBack, last.seq == next, !last.markerAnswered {
            let refusedPacket = window.first { $0.seq == refused }
            guard reason == .gap, let refusedPacket, refusedPacket.firstSentAfterGoBack == goBacks else { return }
        }
        goBack(now: now)
        transmitWindow(now: now)
    }

    // MARK: Sending

    /// A quarter of the watchdog after the last packet sent, or a sixteenth while the
    /// device has not answered for a quarter of it.
    private var nextHeartbeatTime: Double {
        let quiet = lastSentAt + heartbeatInterval
        guard lastAnsweredAt < lastSentAt else { return quiet }
        return min(quiet, max(lastAnsweredAt + heartbeatInterval, lastSentAt + heartbeatInterval / 4))
    }

    private var heartbeatInterval: Double {
        configuration.heartbeatInterval
            ?? Double(identity?.parameters.watchdogMilliseconds ?? 250) / 1000 / 4
    }

    private var silenceTimeout: Double {
        configuration.deviceSilenceTimeout
            ?? max(0.5, 4 * Double(identity?.parameters.watchdogMilliseconds ?? 250) / 1000)
    }

    /// Most setpoints per packet: the device's max_batch, within `maxPacketBytes`.
    private var batchLimit: Int { batchLimit(mask: identity?.channelMask ?? 0) }

    /// The same for packets carrying the channels of `mask`.
    private func batchLimit(mask: UInt8) -> Int {
        guard let identity else { return 1 }
        let recordLength = 4 + 2 * (mask & KWPChannel.validMask).nonzeroBitCount
        let packetBudget = (min(configuration.maxPacketBytes, KWP.maxPacketLength) - KWP.minPacketLength - 2)
            / recordLength
        return max(1, min(Int(identity.parameters.maxBatch), KWPFrames.maxSetpointsPerPacket(mask: mask),
                          packetBudget))
    }

    /// Free slots the host may still fill: the device's last word minus what is on its way.
    private var credit: Int {
        deviceFree - window.reduce(0) { $0 + ($1.sentAt != nil ? $1.count : 0) }
    }

    private mutating func takeTag() -> UInt8 {
        let tag = nextTag
        nextTag &+= 1
        return tag
    }

    private mutating func send(_ message: KWPMessage, now: Double) {
        output.append(OutgoingFrame(bytes: message.encodedFrame(), isFrames: false))
        lastSentAt = now
    }

    private mutating func sendHello(now: Double) {
        helloSentAt = now
        send(.hello(tag: takeTag()), now: now)
    }

    private mutating func sendClockRequest(now: Double) {
        let tag = takeTag()
        clockRequests.append((tag, now))
        if clockRequests.count > 8 { clockRequests.removeFirst() }
        lastClockRequestAt = now
        send(.clockRequest(tag: tag), now: now)
    }

    private mutating func sendHeartbeat(now: Double) {
        statistics.heartbeatsSent += 1
        send(.heartbeat(tag: takeTag()), now: now)
    }

    private mutating func formBatches(now: Double) {
        guard let identity, let clock else { return }
        let fullMask = identity.channelMask
        let limit = min(batchLimit, adaptiveBatchLimit)
        var room = credit - window.reduce(0) { $0 + ($1.sentAt == nil ? $1.count : 0) }
        while pendingHead < pending.count, window.count < configuration.maxInFlight {
            let waiting = pending.count - pendingHead
            let due = pending[pendingHead].hostTime - now <= configuration.batchLead
            guard waiting >= limit || due else { break }
            var count = min(waiting, limit, room)
            if count <= 0 {
                probeCredit(now: now)
                break
            }
            // Only the channels that change go on the wire (intensity always, so a record
            // is never bare); fewer channels leave room for more setpoints in the packet.
            var mask = KWPChannel.intensity.maskBit & fullMask
            var previous = lastFramed
            for index in pendingHead..<(pendingHead + count) {
                mask |= Self.changedChannels(from: previous, to: pending[index].values) & fullMask
                previous = pending[index].values
            }
            let most = min(waiting, room, adaptiveBatchLimit)
            while count < most {
                let grown = mask | Self.changedChannels(from: previous, to: pending[pendingHead + count].values) & fullMask
                guard batchLimit(mask: grown) > count else { break }
                mask = grown
                previous = pending[pendingHead + count].values
                count += 1
            }
            lastFramed = previous
            var setpoints: [KWPSetpoint] = []
            setpoints.reserveCapacity(count)
            for index in pendingHead..<(pendingHead + count) {
                let setpoint = pending[index]
                if setpoint.hostTime - now < configuration.minimumLead { statistics.shortLeadSetpoints += 1 }
                let estimate = clock.deviceTicks(atHostTime: setpoint.hostTime).rounded()
                let ticks = max(estimate > 0 ? UInt64(min(estimate, 1.8e19)) : 0, lastTicks)
                lastTicks = ticks
                setpoints.append(KWPSetpoint(time: UInt32(truncatingIfNeeded: ticks), values: setpoint.values))
            }
            pendingHead += count
            room -= count
            let sequence = nextSequence
            nextSequence &+= 1
            let frame = KWPMessage.frames(sequence: sequence, KWPFrames(channelMask: mask, setpoints: setpoints))
                .encodedFrame()
            window.append(InFlight(seq: sequence, frame: frame, count: count))
        }
        if pendingHead > 64 && pendingHead * 2 > pending.count {
            pending.removeFirst(pendingHead)
            pendingHead = 0
        }
    }

    /// Mask bits of the channels whose values differ (all of them when there is no `old`).
    private static func changedChannels(from old: KWPChannelValues?, to new: KWPChannelValues) -> UInt8 {
        guard let old else { return KWPChannel.validMask }
        var mask: UInt8 = 0
        var id: UInt8 = 0
        while id < KWPChannel.count {
            if old[channelID: id] != new[channelID: id] { mask |= 1 << id }
            id += 1
        }
        return mask
    }

    private mutating func transmitWindow(now: Double) {
        var available = credit
        for index in window.indices where window[index].sentAt == nil {
            guard window[index].count <= available else {
                probeCredit(now: now)
                return
            }
            available -= window[index].count
            window[index].sentAt = now
            window[index].transmissions += 1
            if window[index].transmissions == 1 {
                window[index].firstSentAfterGoBack = goBacks
                statistics.framesPacketsSent += 1
                statistics.setpointsSent += window[index].count
            } else {
                statistics.retransmittedPackets += 1
            }
            output.append(OutgoingFrame(bytes: window[index].frame, isFrames: true))
            lastSentAt = now
        }
    }

    private mutating func probeCredit(now: Double) {
        guard now - lastProbeAt >= configuration.creditProbeInterval else { return }
        lastProbeAt = now
        sendHeartbeat(now: now)
    }

    private mutating func checkRetransmitTimeout(now: Double) {
        guard let sentAt = window.first?.sentAt, now - sentAt >= retransmitTimeout else { return }
        statistics.retransmitTimeouts += 1
        goBack(now: now)
        retransmitTimeout = min(retransmitTimeout * 2, configuration.maximumRetransmitTimeout)
    }

    /// Go-back-N: everything unacknowledged is sent again, in order.
    private mutating func goBack(now: Double) {
        guard let first = window.first else { return }
        sendClockRequest(now: now)
        lastGoBack = (first.seq, clockRequests.last!.tag, false)
        goBacks += 1
        adaptiveBatchLimit = max(1, min(adaptiveBatchLimit, batchLimit) / 2)
        cleanAcks = 0
        for index in window.indices { window[index].sentAt = nil }
    }

    private mutating func updateRoundTrip(_ sample: Double) {
        if let smoothed = smoothedRoundTrip {
            roundTripDeviation = 0.75 * roundTripDeviation + 0.25 * abs(smoothed - sample)
            smoothedRoundTrip = 0.875 * smoothed + 0.125 * sample
        } else {
            smoothedRoundTrip = sample
            roundTripDeviation = sample / 2
        }
    }

    private var currentTimeoutFromRoundTrip: Double {
        guard let smoothed = smoothedRoundTrip else { return configuration.initialRetransmitTimeout }
        return min(max(smoothed + 4 * roundTripDeviation, configuration.minimumRetransmitTimeout),
                   configuration.maximumRetransmitTimeout)
    }

    private mutating func fail(_ error: KWPHostError) {
        if case .failed = state { return }
        state = .failed(error)
        pending.removeAll()
        pendingHead = 0
        window.removeAll()
        output.removeAll { $0.isFrames }
        // Best effort: whatever went wrong, ask the device to be at zero.
        output.insert(OutgoingFrame(bytes: KWPMessage.stop(tag: takeTag(), nextSequence: nextSequence)
            .encodedFrame(), isFrames: false), at: 0)
        events.append(.failed(error))
    }
}
