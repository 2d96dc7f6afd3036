/// The device side of the knead wire protocol: what a massager's firmware runs, and what
/// the simulator runs in its place.
///
/// No Foundation and no allocation after `init`: received bytes are decoded in a fixed
/// buffer, setpoints wait in a fixed ring, replies go to a fixed output buffer. Time is
/// the caller's: every call takes `now`, the device's own tick counter
/// (`parameters.clockHz` ticks a second), and must not go backwards.
///
/// Use:
/// ```
/// let device = KWPDevice(configuration: config)
/// // whenever bytes arrive:     device.receive(bytes, now: ticks)
/// // every control period:      let target = device.advance(to: ticks)  → drive the motors
/// //                            device.measured = what the sensors say (for TELEMETRY)
/// // whenever the UART is free: device.readOutput(into: buffer) → send those bytes
/// ```
/// Protocol semantics (ACK/NAK, STOP, watchdog, faults) are in docs/protocol.md.
public final class KWPDevice {
    public let configuration: KWPDeviceConfiguration
    public private(set) var state: KWPDeviceState = .idle {
        // Host silence matters only while playing (docs/protocol.md 3.7).
        didSet { if state == .playing { watchdog.arm() } else { watchdog.disarm() } }
    }
    /// What the outputs should be now (after the latest `advance` or STOP).
    public private(set) var target: KWPChannelValues
    /// What the sensors measure, reported in TELEMETRY; nil reports `target`.
    public var measured: KWPChannelValues?
    /// Hundredths of °C for TELEMETRY; `KWPTelemetry.noTemperature` when there is no sensor.
    public var temperatureCentiCelsius: Int16 = KWPTelemetry.noTemperature
    public private(set) var lastFault = KWPFaultCode(rawValue: 0)
    public private(set) var statistics = KWPDeviceStatistics()
    /// The sequence of the next FRAMES the device will accept.
    public private(set) var expectedSequence: UInt8 = 0

    private let assembler = KWPFrameAssembler()
    private let queue: KWPLeadBuffer<KWPSetpoint>
    private let output: KWPByteQueue
    private let scratch: UnsafeMutableRawBufferPointer
    private let frame: UnsafeMutableRawBufferPointer
    private let channelMask: UInt8
    private let lowest: KWPChannelValues
    private let highest: KWPChannelValues
    private var watchdog: KWPWatchdog
    private let telemetryTicks: UInt64

    private var counter: UInt8 = 0
    private var nextTelemetryAt: UInt64 = 0
    private var lastQueued: KWPChannelValues
    private var rampFrom = KWPChannelValues.zero

    public init(configuration: KWPDeviceConfiguration) {
        self.configuration = configuration
        let parameters = configuration.parameters
        queue = KWPLeadBuffer(capacity: Int(parameters.bufferDepth))
        output = KWPByteQueue(capacity: configuration.outputCapacity)
        scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: KWP.maxPacketLength, alignment: 8)
        frame = UnsafeMutableRawBufferPointer.allocate(byteCount: KWP.maxFrameLength, alignment: 8)
        scratch.initializeMemory(as: UInt8.self, repeating: 0)
        frame.initializeMemory(as: UInt8.self, repeating: 0)
        channelMask = configuration.channelMask
        var lowest = KWPChannelValues.zero
        var highest = KWPChannelValues(all: 0xFFFF)
        for info in configuration.channels {
            lowest[info.channel] = info.min
            highest[info.channel] = info.max
        }
        self.lowest = lowest
        self.highest = highest
        watchdog = KWPWatchdog(periodTicks: parameters.ticks(milliseconds: parameters.watchdogMilliseconds),
                               rampTicks: parameters.ticks(milliseconds: parameters.stopRampMilliseconds))
        telemetryTicks = parameters.ticks(milliseconds: parameters.telemetryPeriodMilliseconds)
        target = configuration.rest
        lastQueued = configuration.rest
    }

    deinit {
        scratch.deallocate()
        frame.deallocate()
    }

    // MARK: Receiving

    /// Feeds bytes from the host. Packets take effect as they complete (STOP at once).
    public func receive(_ bytes: UnsafeRawBufferPointer, now: UInt64) {
        for byte in bytes { receive(byte, now: now) }
    }

    public func receive(_ byte: UInt8, now: UInt64) {
        switch assembler.push(byte) {
        case .none:
            break
        case let .packet(packet):
            // Host silence is judged before this packet feeds the watchdog.
            checkWatchdog(now: now)
            watchdog.heard(at: now)
            statistics.packets += 1
            handle(packet, now: now)
        case let .unsupportedVersion(version):
            emitFault(.unsupportedVersion, detail: UInt16(version), now: now)
        case let .dropped(_, length):
            statistics.droppedFrames += 1
            if length >= KWP.minPacketLength { emitNak(.corrupt, refused: expectedSequence) }
        }
    }

    private func handle(_ packet: KWPPacketView, now: UInt64) {
        switch KWPType(rawValue: packet.type) {
        case .hello?:
            clearToRest()
            if state == .idle { nextTelemetryAt = now &+ telemetryTicks }
            state = .ready
            expectedSequence = 0
            lastFault = KWPFaultCode(rawValue: 0)
            emitIdentify(tag: packet.seq)
        case .clockRequest?:
            emit(.clock, seq: packet.seq) { $0.u64(now) }
        case .frames?:
            handleFrames(packet, now: now)
        case .stop?:
            handleStop(packet, now: now)
        case .heartbeat?:
            emitAck()
        default:
            emitFault(.unknownType, detail: UInt16(packet.type), now: now)
        }
    }

    private func handleStop(_ packet: KWPPacketView, now: UInt64) {
        clearToRest()
        statistics.stops += 1
        if state == .idle { nextTelemetryAt = now &+ telemetryTicks }
        state = .ready
        let wellFormed = packet.payload.count == 1
        if wellFormed { expectedSequence = packet.payload[0] }
        emit(.stopped, seq: packet.seq) { $0.u16(UInt16(truncatingIfNeeded: self.queue.free)) }
        if !wellFormed { emitFault(.malformed, detail: UInt16(packet.type), now: now) }
    }

    private func handleFrames(_ packet: KWPPacketView, now: UInt64) {
        if state == .idle || state == .halted {
            emitNak(.notAccepting, refused: packet.seq)
            return
        }
        let distance = packet.seq &- expectedSequence
        if distance >= 128 {
            statistics.duplicates += 1
            emitAck()
            return
        }
        if distance != 0 {
            statistics.gaps += 1
            emitNak(.gap, refused: packet.seq)
            return
        }
        guard let frames = KWPFramesPayload(packet.payload),
              frames.count <= Int(configuration.parameters.maxBatch),
              frames.channelMask & ~channelMask == 0
        else {
            emitNak(.malformed, refused: packet.seq)
            return
        }
        if frames.count > queue.free {
            statistics.refusedNoRoom += 1
            emitNak(.noRoom, refused: packet.seq)
            return
        }
        var latestLateness: Int32 = 0
        var index = 0
        while index < frames.count {
            var setpoint = frames.setpoint(at: index, base: lastQueued)
            setpoint.values = clamped(setpoint.values)
            lastQueued = setpoint.values
            queue.push(setpoint)
            let lateness = kwpTicksLate(setpoint.time, now: now)
            if lateness > 0 {
                statistics.late += 1
                latestLateness = lateness
            }
            index += 1
        }
        statistics.accepted += frames.count
        expectedSequence &+= 1
        state = .playing
        emitAck()
        if latestLateness > 0 {
            let milliseconds = UInt64(latestLateness) * 1000 / UInt64(max(configuration.parameters.clockHz, 1))
            emitFault(.lateSetpoint, detail: UInt16(min(milliseconds, 0xFFFF)), now: now)
        }
    }

    // MARK: Time

    /// Moves the device to `now`: fires the watchdog after host silence, executes the
    /// setpoints that are due, runs the watchdog's ramp, sends TELEMETRY when due.
    /// Returns the setpoint due at `now` (also kept in `target`).
    @discardableResult
    public func advance(to now: UInt64) -> KWPChannelValues {
        checkWatchdog(now: now)
        if state == .playing {
            while let head = queue.popDue(at: now) {
                target = head.values
                statistics.executed += 1
            }
        }
        runRamp(now: now)
        if state != .idle && telemetryTicks > 0 && now >= nextTelemetryAt {
            emitTelemetry(now: now)
            nextTelemetryAt = now - nextTelemetryAt >= telemetryTicks
                ? now &+ telemetryTicks : nextTelemetryAt &+ telemetryTicks
        }
        return target
    }

    /// The firmware (or the simulator) reports a fault: over-temperature, a motor fault,
    /// the person's own stop button… A halting code (0x80 and above) stops the device at
    /// once and refuses FRAMES until the host sends HELLO or STOP.
    public func raiseFault(_ code: KWPFaultCode, detail: UInt16, now: UInt64) {
        if code.isHalting {
            clearToRest()
            if state != .idle { state = .halted }
        }
        emitFault(code, detail: detail, now: now)
    }

    private func checkWatchdog(now: UInt64) {
        guard watchdog.check(now: now) else { return }
        queue.removeAll()
        statistics.watchdogTrips += 1
        state = .halted
        rampFrom = target
        emitFault(.watchdog, detail: configuration.parameters.watchdogMilliseconds, now: now)
    }

    private func runRamp(now: UInt64) {
        guard let remaining = watchdog.rampLeft(at: now) else { return }
        if remaining == 0 {
            target = rampFrom.atRest
            return
        }
        let rampTicks = watchdog.rampTicks
        func scaled(_ value: UInt16) -> UInt16 {
            UInt16(truncatingIfNeeded: UInt64(value) * remaining / rampTicks)
        }
        // Taps keep their rate and fade with their depth, as the motor does with intensity.
        target = KWPChannelValues(intensity: scaled(rampFrom.intensity), x: rampFrom.x, y: rampFrom.y,
                                  pressure: scaled(rampFrom.pressure), heat: scaled(rampFrom.heat),
                                  percussionRate: rampFrom.percussionRate,
                                  percussionDepth: scaled(rampFrom.percussionDepth))
    }

    private func clearToRest() {
        queue.removeAll()
        watchdog.cancelRamp()
        target = target.atRest
        lastQueued = target
    }

    private func clamped(_ values: KWPChannelValues) -> KWPChannelValues {
        var result = values
        var id: UInt8 = 0
        while id < KWPChannel.count {
            let value = result[channelID: id]
            if value < lowest[channelID: id] { result[channelID: id] = lowest[channelID: id] }
            if value > highest[channelID: id] { result[channelID: id] = highest[channelID: id] }
            id += 1
        }
        return result
    }

    // MARK: Sending

    /// Bytes waiting to be sent to the host.
    public var outputCount: Int { output.count }

    /// Moves up to `buffer.count` waiting bytes into `buffer`; returns how many.
    public func readOutput(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        output.pop(into: buffer)
    }

    /// The next byte to send, for a transmit interrupt.
    public func popOutputByte() -> UInt8? { output.pop() }

    public var queuedCount: Int { queue.count }
    public var freeSlots: Int { queue.free }

    private func emit(_ type: KWPType, seq: UInt8, _ writePayload: (inout KWPWriter) -> Void) {
        let length = KWP.encodeFrame(type: type.rawValue, seq: seq, scratch: scratch, frame: frame,
                                     writePayload: writePayload)
        if length == 0 || !output.push(UnsafeRawBufferPointer(rebasing: frame[0..<length])) {
            statistics.outputDropped += 1
        }
    }

    private var freeField: UInt16 { UInt16(truncatingIfNeeded: queue.free) }

    private func emitAck() {
        let free = freeField
        emit(.ack, seq: expectedSequence) { $0.u16(free) }
    }

    /// `refused`: the sequence of the FRAMES packet refused (for CORRUPT, `expected`).
    private func emitNak(_ reason: KWPNakReason, refused: UInt8) {
        let free = freeField
        emit(.nak, seq: expectedSequence) { writer in
            writer.u16(free)
            writer.u8(reason.rawValue)
            writer.u8(refused)
        }
    }

    private func emitIdentify(tag: UInt8) {
        let configuration = self.configuration
        emit(.identify, seq: tag) { writer in
            configuration.parameters.write(into: &writer)
            let channelCount = configuration.channels.count < Int(KWPChannel.count)
                ? configuration.channels.count : Int(KWPChannel.count)
            writer.u8(UInt8(channelCount))
            var index = 0
            while index < channelCount {
                configuration.channels[index].write(into: &writer)
                index += 1
            }
            writer.shortBytes(configuration.model, maxLength: kwpMaxIdentityTextLength)
            writer.shortBytes(configuration.firmware, maxLength: kwpMaxIdentityTextLength)
        }
    }

    private func emitTelemetry(now: UInt64) {
        let telemetry = KWPTelemetry(deviceTime: now, state: state, actual: measured ?? target,
                                     temperatureCentiCelsius: temperatureCentiCelsius,
                                     queued: UInt16(truncatingIfNeeded: queue.count),
                                     free: freeField, lastFault: lastFault)
        emit(.telemetry, seq: counter) { telemetry.write(into: &$0) }
        counter &+= 1
    }

    private func emitFault(_ code: KWPFaultCode, detail: UInt16, now: UInt64) {
        lastFault = code
        let fault = KWPFault(deviceTime: now, code: code, detail: detail)
        emit(.fault, seq: counter) { fault.write(into: &$0) }
        counter &+= 1
    }
}
