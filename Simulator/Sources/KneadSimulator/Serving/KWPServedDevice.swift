import KneadCore
import KneadWire

/// A device speaking the knead wire protocol on the simulator's physics: KneadWire's
/// `KWPDevice` (the same code firmware runs) decides what the outputs should be, tick
/// by tick of the device clock, and the model moves under those setpoints.
///
/// The device clock counts `parameters.clockHz` ticks a second from the simulator's
/// start. At every model tick the protocol side runs first (`advance`: due setpoints,
/// watchdog and its ramp, telemetry), then a changed target goes to the model. What
/// the model measures (actual intensity, position, pressure, temperature) is what
/// TELEMETRY reports.
final class KWPServedDevice: ServedDevice {
    static let firmware = SimulatorBackend.firmware
    /// The announced stop ramp (the watchdog's ramp to zero), milliseconds.
    static let stopRampMilliseconds: UInt16 = 250
    /// Dropped frames reported one by one before they are only counted.
    static let reportedDrops = 5

    let model: DeviceModel
    let device: KWPDevice
    let clockHz: Double
    let hasTemperature: Bool
    var servedProtocol: DeviceProtocol { .kwp }

    /// Called at each model tick at which setpoints were executed from the buffer:
    /// (device seconds, how many). For the link benchmark's timing figures.
    var onExecuted: ((Double, Int) -> Void)?
    /// Device clock ticks per true tick: 1.01 is a crystal 1 % fast (the drift fault).
    var clockRate = 1.0
    /// How HELLO is misanswered (the identify fault), nil when it is answered properly.
    var identifyFault: SimulatorFaults.IdentifyFault?
    var stopsReceived: Int { device.statistics.stops }

    /// IDENTIFYs held back by the slow fault, with the device time they go out.
    private var heldBack: [(due: Double, frame: [UInt8])] = []
    private var lastTime = 0.0
    private var random = SplitMix64(seed: 0x1D)
    static let slowIdentifyDelay = 3.0

    private var target: KWPChannelValues
    private var seen = KWPDeviceStatistics()
    private var lastState = KWPDeviceState.idle
    private var events: [ServeEvent] = []
    /// A watchdog trip is ramping the levels down and has not reached zero yet.
    private var watchdogRamping = false

    init(model: DeviceModel, configuration: KWPDeviceConfiguration) {
        self.model = model
        device = KWPDevice(configuration: configuration)
        clockHz = Double(configuration.parameters.clockHz)
        hasTemperature = model.profile.heat != nil
        target = device.target
    }

    /// What the simulated `profile` announces in IDENTIFY: its channels with their steps
    /// and caps, a 1 MHz clock, 128 setpoints of buffer, its watchdog.
    static func configuration(for profile: DeviceProfile, body: BodyProfile,
                              rest: BackPoint) -> KWPDeviceConfiguration {
        func wire(_ fraction: Double) -> UInt16 { KWPChannelValues(ChannelValues(intensity: fraction)).intensity }
        func slew(_ perSecond: Double) -> UInt16 {
            UInt16(clamping: Int((Swift.max(0, perSecond) * 1000).rounded()))
        }
        func info(_ channel: KWPChannel, _ spec: DeviceProfile.Channel) -> KWPChannelInfo {
            KWPChannelInfo(channel: channel, steps: UInt16(clamping: spec.steps), min: 0, max: wire(spec.max),
                           maxSlew: slew(spec.maxSlew))
        }
        var channels = [info(.intensity, profile.intensity)]
        if let track = profile.position {
            channels.append(KWPChannelInfo(channel: .x, steps: UInt16(clamping: track.steps),
                                           maxSlew: slew(track.maxSpeed / Swift.max(1, body.backWidth))))
            channels.append(KWPChannelInfo(channel: .y, steps: UInt16(clamping: track.steps),
                                           maxSlew: slew(track.maxSpeed / Swift.max(1, body.shoulderHeight))))
        }
        if let pressure = profile.pressure { channels.append(info(.pressure, pressure)) }
        if let heat = profile.heat { channels.append(info(.heat, heat.channel)) }
        if let percussion = profile.percussion {
            // Rate in hundredths of a hertz within the mechanism's range; depth in its steps.
            func centihertz(_ hertz: Double) -> UInt16 {
                KWPChannelValues(ChannelValues(percussionRate: hertz)).percussionRate
            }
            channels.append(KWPChannelInfo(channel: .percussionRate, steps: UInt16(clamping: percussion.steps),
                                           min: 0, max: centihertz(percussion.maxRate)))
            channels.append(KWPChannelInfo(channel: .percussionDepth, steps: UInt16(clamping: percussion.steps)))
        }
        let watchdog = UInt16(clamping: Int((profile.watchdog * 1000).rounded()))
        let parameters = KWPDeviceParameters(clockHz: 1_000_000, bufferDepth: 128, maxBatch: 16,
                                             watchdogMilliseconds: Swift.max(1, watchdog),
                                             stopRampMilliseconds: stopRampMilliseconds,
                                             telemetryPeriodMilliseconds: 50)
        let restValues = KWPChannelValues(ChannelValues(intensity: 0, x: rest.x, y: rest.y))
        return KWPDeviceConfiguration(parameters: parameters, channels: channels,
                                      model: "knead sim (\(profile.name))", firmware: firmware, rest: restValues)
    }

    /// Device clock ticks at device time `time` (a millionth of a tick of tolerance, so
    /// that a model tick lands on the clock tick it stands for despite rounding).
    func ticks(_ time: Double) -> UInt64 {
        UInt64(Swift.max(0, time * clockHz * clockRate + 1e-6).rounded(.down))
    }

    // MARK: ServedDevice

    func receive(_ bytes: ArraySlice<UInt8>, at time: Double) {
        advance(to: time)
        device.receive(bytes, now: ticks(time))
        follow(at: time)
    }

    func advance(to time: Double) {
        lastTime = Swift.max(lastTime, time)
        var tick = model.tick + 1
        while model.time(ofTick: tick) <= time + 1e-9 {
            let tickTime = model.time(ofTick: tick)
            model.advance(to: tickTime)
            let state = model.state
            device.measured = Self.measured(state)
            if hasTemperature {
                device.temperatureCentiCelsius = Int16(clamping: Int((state.temperature * 100).rounded()))
            }
            let executedBefore = device.statistics.executed
            _ = device.advance(to: ticks(tickTime))
            let executed = device.statistics.executed - executedBefore
            if executed > 0 { onExecuted?(tickTime, executed) }
            follow(at: tickTime)
            tick += 1
        }
        model.advance(to: time)
    }

    func takeOutput() -> [UInt8] {
        let output = device.takeOutput()
        guard let fault = identifyFault else { return output }
        var result: [UInt8] = []
        while let first = heldBack.first, first.due <= lastTime {
            result += first.frame
            heldBack.removeFirst()
        }
        var start = 0
        for (index, byte) in output.enumerated() where byte == KWP.delimiter {
            let frame = Array(output[start...index])
            start = index + 1
            guard case let .success(.identify(tag, _)) = KWPMessage.decode(frame: frame) else {
                result += frame
                continue
            }
            switch fault {
            case .garbage:
                // A packet of the right type and a good CRC whose payload is not an IDENTIFY.
                let payload = (0..<7).map { _ in UInt8.random(in: 1...255, using: &random) }
                result += Self.frame(type: KWPType.identify.rawValue, seq: tag, payload: payload)
            case .slow:
                heldBack.append((lastTime + Self.slowIdentifyDelay, frame))
            case .flood:
                result += (0..<16_384).map { _ in UInt8.random(in: 1...255, using: &random) } + [KWP.delimiter]
                for _ in 0..<50 { result += frame }
            }
        }
        return result + output[start...]
    }

    /// One frame of any type and payload, CRC and COBS done right.
    static func frame(type: UInt8, seq: UInt8, payload: [UInt8]) -> [UInt8] {
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: KWP.maxPacketLength, alignment: 8)
        let frame = UnsafeMutableRawBufferPointer.allocate(byteCount: KWP.maxFrameLength, alignment: 8)
        defer {
            scratch.deallocate()
            frame.deallocate()
        }
        let length = KWP.encodeFrame(type: type, seq: seq, scratch: scratch, frame: frame) { writer in
            for byte in payload { writer.u8(byte) }
        }
        return Array(frame[0..<length])
    }

    func hostLeft(at time: Double) {}

    func takeEvents() -> [ServeEvent] {
        defer { events.removeAll() }
        return events
    }

    var statusNote: String {
        let statistics = device.statistics
        return "\(Self.name(device.state)), \(device.queuedCount) queued, \(statistics.executed) executed"
            + (statistics.late > 0 ? ", \(statistics.late) late" : "")
    }

    var protocolReport: ServeReport.ProtocolCounters {
        let s = device.statistics
        return .kwp(ServeReport.KWPCounters(
            state: Self.name(device.state), packets: s.packets, droppedFrames: s.droppedFrames,
            duplicates: s.duplicates, gaps: s.gaps, refusedNoRoom: s.refusedNoRoom, accepted: s.accepted,
            executed: s.executed, late: s.late, stops: s.stops, watchdogTrips: s.watchdogTrips,
            outputDropped: s.outputDropped))
    }

    // MARK: Following the protocol side

    /// Puts a changed target into the model and turns what the protocol side counted
    /// into trace marks and events.
    private func follow(at time: Double) {
        let now = device.statistics
        if now.stops > seen.stops {
            model.mark(.stop, at: time)
            events.append(ServeEvent(time: time, text: "STOP: every level to zero, positions hold"))
        }
        if now.watchdogTrips > seen.watchdogTrips {
            model.mark(.watchdog, at: time)
            let parameters = device.configuration.parameters
            events.append(ServeEvent(time: time, text: "watchdog: the host was silent for \(parameters.watchdogMilliseconds) ms; "
                                     + "ramping to zero over \(parameters.stopRampMilliseconds) ms"))
            watchdogRamping = true
        }
        if now.droppedFrames > seen.droppedFrames {
            for _ in seen.droppedFrames..<now.droppedFrames { model.noteRejectedMessage() }
            if seen.droppedFrames < Self.reportedDrops {
                events.append(ServeEvent(time: time, text: "a damaged frame was dropped (bad COBS or CRC)"
                                         + (now.droppedFrames >= Self.reportedDrops ? " (further drops are only counted)" : "")))
            }
        }
        if now.late > seen.late {
            events.append(ServeEvent(time: time, text: "\(now.late - seen.late) setpoint(s) arrived after their time (played at once)"))
        }
        seen = now
        let state = device.state
        if state != lastState {
            let text: String
            switch state {
            case .ready where lastState == .idle:
                text = "HELLO: identified as \(String(decoding: device.configuration.model, as: UTF8.self))"
            default:
                text = "state \(Self.name(lastState)) → \(Self.name(state))"
            }
            events.append(ServeEvent(time: time, text: text))
            lastState = state
        }
        let newTarget = device.target
        guard newTarget != target else { return }
        target = newTarget
        let values = ChannelValues(newTarget)
        // Said once the watchdog's ramp has brought every level down, so a person (or a
        // test) watching the events knows the device is at zero without waiting blind.
        if watchdogRamping && values.intensity == 0 && values.pressure == 0 && values.heat == 0 {
            watchdogRamping = false
            events.append(ServeEvent(time: time, text: "watchdog: every level at zero"))
        }
        model.applyNow(DeviceSetpoint(intensity: values.intensity, x: values.x, y: values.y, pressure: values.pressure,
                                      heat: values.heat, percussionRate: values.percussionRate,
                                      percussionDepth: values.percussionDepth), at: time)
    }

    /// What the model's hardware is doing, on the wire's scale.
    private static func measured(_ state: DeviceState) -> KWPChannelValues {
        KWPChannelValues(ChannelValues(intensity: state.intensity, x: state.position.x, y: state.position.y,
                                              pressure: state.pressure, heat: state.setHeat))
    }

    static func name(_ state: KWPDeviceState) -> String {
        switch state {
        case .idle: return "idle"
        case .ready: return "ready"
        case .playing: return "playing"
        case .halted: return "halted"
        }
    }
}
