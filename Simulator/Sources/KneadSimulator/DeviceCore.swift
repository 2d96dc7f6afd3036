import Foundation
import KneadCore
import KneadEngine
import KneadWire

/// The state and logic of `DeviceModel`, as a value: one access per operation from
/// the class, and none of the per-property checks a class pays in the tick loop.
/// See `DeviceModel` for the order of work within a tick.
struct DeviceCore {
    let profile: DeviceProfile
    let configuration: DeviceModel.Configuration
    let mapping: BodyMapping
    let tickInterval: Double
    let tickRate: Int
    var tick: Int64 = 0
    var counted = DeviceCounters()
    var onTelemetry: ((Telemetry) -> Void)?

    // The channels as the device implements them (copied out of the profile so the
    // tick loop does not touch the profile).
    let intensityChannel: DeviceProfile.Channel
    let pressureChannel: DeviceProfile.Channel?
    let heatChannel: DeviceProfile.Channel?
    let hasTrack: Bool
    let intensityZeroThreshold: Double

    // Setpoints in force (quantized).
    var setIntensity = 0.0, setPressure = 0.0, setHeat = 0.0
    /// The motor's level (following `setIntensity` with its lag) and the taps the
    /// mechanism makes on it: `intensity` is the motor's level, tapped.
    var motorIntensity = 0.0
    var tapRate = 0.0, tapDepth = 0.0
    // The hardware.
    var intensity = 0.0, pressure = 0.0, temperature: Double
    var xAxis: RollerAxis, yAxis: RollerAxis
    var heatCutOut = false
    /// The last tick left the hardware exactly as it was: with the same setpoints the
    /// next ones will too, so quiet stretches can be skipped.
    var settled = false

    // Constants per tick.
    let intensityFollow: Double
    let heatFollow: Double
    let pressureStep: Double
    let ambient: Double, heatSpan: Double, maxTemperature: Double
    let telemetryTicks: Int64

    /// The firmware's watchdog (KneadWire's device side), counting model ticks.
    var watchdog: KWPWatchdog
    /// The level setpoints the watchdog's ramp started from.
    var rampFrom = (intensity: 0.0, pressure: 0.0, heat: 0.0)

    // Commands in flight, the lead buffer, stalls and marks.
    struct Arrival {
        var tick: Int64
        var command: DeviceCommand
    }
    var inbox = FIFO<Arrival>()
    /// A scheduled setpoint in the firmware's lead buffer, due at a model tick.
    struct Scheduled: KWPScheduled {
        var dueTick: Int64
        var due: Double
        var setpoint: DeviceSetpoint
        func isDue(at now: UInt64) -> Bool { dueTick <= Int64(clamping: now) }
    }
    let lead: KWPLeadBuffer<Scheduled>
    /// Stall windows [start, end) in ticks, sorted.
    let stallTicks: [(start: Int64, end: Int64)]
    var marks: [(tick: Int64, events: DeviceEvents)] = []

    // This tick's bookkeeping.
    var prepared = false
    var events = DeviceEvents(rawValue: 0)
    var hardwareEvents = DeviceEvents(rawValue: 0)
    var wasStalled = false

    var errors: DeviceErrorRecorder
    var trace: TraceWriter?
    /// The trace's write error, kept once the trace is finished and let go.
    var finishedTraceError: TraceError?
    var traceTicks: Int64 = 1
    var lastTracedTick: Int64 = -1

    init(profile: DeviceProfile, configuration: DeviceModel.Configuration) {
        let rate = Swift.max(1, configuration.tickRate)
        let dt = 1 / Double(rate)
        self.profile = profile
        self.configuration = configuration
        tickRate = rate
        tickInterval = dt
        mapping = BodyMapping(profile: profile, body: configuration.body, neckOffset: configuration.neckOffset)
        intensityChannel = profile.intensity
        pressureChannel = profile.pressure
        heatChannel = profile.heat?.channel
        hasTrack = profile.position != nil
        intensityZeroThreshold = 0.5 / Double(Swift.max(1, profile.intensity.steps - 1))

        intensityFollow = profile.motorLag > 0 ? 1 - exp(-dt / profile.motorLag) : 1
        pressureStep = (profile.pressure?.maxSlew ?? .infinity) * dt
        ambient = configuration.ambientTemperature
        if let heat = profile.heat {
            heatFollow = heat.timeConstant > 0 ? 1 - exp(-dt / heat.timeConstant) : 1
            maxTemperature = heat.maxTemperature
            heatSpan = heat.maxTemperature - ambient
        } else {
            heatFollow = 0
            maxTemperature = .infinity
            heatSpan = 0
        }
        temperature = Swift.min(configuration.initialTemperature ?? ambient, maxTemperature)

        func ticks(_ seconds: Double) -> Int64 {
            let count = (seconds * Double(rate)).rounded()
            return count.isFinite && count < 1e15 ? Int64(count) : Int64.max / 4
        }
        // An infinite watchdog period turns the watchdog off (for physics tests only).
        watchdog = KWPWatchdog(periodTicks: UInt64(Swift.max(1, ticks(configuration.watchdogPeriod ?? profile.watchdog))),
                               rampTicks: UInt64(Swift.max(1, ticks(configuration.watchdogRamp))))
        telemetryTicks = Swift.max(1, ticks(configuration.telemetryInterval))
        stallTicks = configuration.stalls.filter { $0.duration > 0 }.map {
            (Self.ceilTick($0.at, start: configuration.startTime, rate: rate),
             Self.ceilTick($0.at + $0.duration, start: configuration.startTime, rate: rate))
        }.sorted { $0.start < $1.start }

        let rest = DeviceModel.quantizedPosition(configuration.restPosition, mapping: mapping, profile: profile)
        let track = profile.position
        xAxis = RollerAxis(position: rest.x, maxSpeed: track?.maxSpeed ?? 0,
                           maxAcceleration: track?.maxAcceleration ?? 0)
        yAxis = RollerAxis(position: rest.y, maxSpeed: track?.maxSpeed ?? 0,
                           maxAcceleration: track?.maxAcceleration ?? 0)
        lead = KWPLeadBuffer(capacity: configuration.leadBufferCapacity)
        errors = DeviceErrorRecorder(hasPosition: profile.position != nil)
    }

    // MARK: Time

    var time: Double { time(ofTick: tick) }

    func time(ofTick tick: Int64) -> Double {
        configuration.startTime + Double(tick) / Double(tickRate)
    }

    func floorTick(_ time: Double) -> Int64 {
        guard time.isFinite else { return time > 0 ? Int64.max / 2 : 0 }
        return Int64(((time - configuration.startTime) * Double(tickRate) + 1e-6).rounded(.down))
    }

    func ceilTick(_ time: Double) -> Int64 {
        Self.ceilTick(time, start: configuration.startTime, rate: tickRate)
    }

    static func ceilTick(_ time: Double, start: Double, rate: Int) -> Int64 {
        guard time.isFinite else { return time > 0 ? Int64.max / 2 : 0 }
        return Int64(((time - start) * Double(rate) - 1e-6).rounded(.up))
    }

    mutating func advance(to time: Double) {
        let target = floorTick(time)
        while tick < target {
            prepare()
            let quietEnd = quietStretchEnd(limit: target)
            if quietEnd > tick + 1 {
                skipQuietStretch(to: quietEnd)
            } else {
                step()
            }
        }
    }

    mutating func settle() { prepare() }

    // MARK: Input

    mutating func receive(_ command: DeviceCommand, at time: Double) {
        let arrivalTick = Swift.max(tick, ceilTick(time))
        inbox.append(Arrival(tick: arrivalTick, command: command))
        if prepared && arrivalTick <= tick && !isStalled(tick) { serviceDue() }
    }

    mutating func mark(_ newEvents: DeviceEvents, at time: Double) {
        let at = Swift.max(tick, ceilTick(time))
        if at == tick && prepared {
            events.formUnion(newEvents)
            return
        }
        marks.append((at, newEvents))
        marks.sort { $0.tick < $1.tick }
    }

    mutating func noteRejectedMessage() {
        counted.rejectedMessages += 1
        events.formUnion(.rejected)
    }

    mutating func receiveDamaged(at time: Double) {
        counted.rejectedMessages += 1
        mark(.rejected, at: time)
    }

    mutating func runUntilAtRest(limit: Double) {
        let end = tick + Int64((Swift.max(0, limit) * Double(tickRate)).rounded())
        while tick < end {
            prepare()
            // Below half a step counts as zero for the device, but the motor is still
            // spinning down: run on until the trace reads 0, so that how a run ends never
            // depends on how long the host took to close it.
            if currentState.isAtZero && currentState.intensity < TraceWriter.levelResolution
                && xAxis.isAtRest && yAxis.isAtRest
                && inbox.isEmpty && lead.isEmpty && !watchdog.isRamping { return }
            step()
        }
    }

    var freeLeadSlots: Int {
        mutating get {
            prepare()
            return lead.free
        }
    }

    // MARK: Output

    var state: DeviceState {
        mutating get {
            prepare()
            return currentState
        }
    }

    var counters: DeviceCounters {
        mutating get {
            prepare()
            return counted
        }
    }

    var errorSummary: DeviceErrorSummary {
        mutating get {
            prepare()
            return errors.summary
        }
    }

    mutating func attachTrace(_ writer: TraceWriter, interval: Double?) {
        trace = writer
        traceTicks = Swift.max(1, Int64(((interval ?? 0) * Double(tickRate)).rounded()))
    }

    mutating func publishTelemetry() {
        prepare()
        onTelemetry?(telemetry)
    }

    mutating func finishTrace() {
        prepare()
        if let trace, lastTracedTick < tick {
            trace.writeRow(time: time - configuration.startTime, state: currentState, events: events)
            lastTracedTick = tick
        }
        trace?.finish()
        // Kept after the trace: its error outlives it, for the report.
        finishedTraceError = trace?.error
        trace = nil
    }

    var traceError: TraceError? { trace?.error ?? finishedTraceError }

    // MARK: The tick

    mutating func step() {
        prepare()
        if let trace, tick % traceTicks == 0 || events.rawValue != 0 {
            trace.writeRow(time: time - configuration.startTime, state: currentState, events: events)
            lastTracedTick = tick
        }
        moveHardware()
        tick += 1
        prepared = false
        // What the hardware did during the tick shows at the tick it led to.
        events = hardwareEvents
        hardwareEvents = DeviceEvents(rawValue: 0)
    }

    mutating func prepare() {
        guard !prepared else { return }
        prepared = true
        while let mark = marks.first, mark.tick <= tick {
            events.formUnion(mark.events)
            marks.removeFirst()
        }
        let stalled = isStalled(tick)
        if stalled != wasStalled {
            events.formUnion(stalled ? .stall : .resume)
            wasStalled = stalled
        }
        if !stalled {
            // The watchdog looks at contact before this tick, so whatever arrives at this
            // tick (now or later in it, however the model is read) comes after its check.
            if watchdog.check(now: UInt64(tick)) { fireWatchdog() }
            continueRamp()
            serviceDue()
        }
        if let onTelemetry, tick % telemetryTicks == 0 || events.rawValue != 0 {
            onTelemetry(telemetry)
        }
    }

    func isStalled(_ tick: Int64) -> Bool {
        for stall in stallTicks where stall.start <= tick && tick < stall.end { return true }
        return false
    }

    // MARK: Quiet stretches

    /// The current tick is prepared. If from here on nothing can change until some
    /// later tick (hardware settled, nothing arriving, due, firing, ramping, stalling or
    /// marked), returns that tick (at most `limit`); otherwise the current tick.
    func quietStretchEnd(limit: Int64) -> Int64 {
        guard settled, !watchdog.isRamping, events.rawValue == 0, !wasStalled else { return tick }
        var end = limit
        if let arrival = inbox.first { end = Swift.min(end, arrival.tick) }
        if let entry = lead.first { end = Swift.min(end, entry.dueTick) }
        if let deadline = watchdog.deadline { end = Swift.min(end, Int64(clamping: deadline)) }
        if let mark = marks.first { end = Swift.min(end, mark.tick) }
        for stall in stallTicks where stall.start > tick {
            end = Swift.min(end, stall.start)
            break
        }
        return Swift.max(tick, end)
    }

    /// Runs the quiet ticks up to `end` at once: their state is the current one, so only
    /// the trace rows and telemetry samples that fall in the stretch are written.
    mutating func skipQuietStretch(to end: Int64) {
        if let trace {
            var row = (tick + traceTicks - 1) / traceTicks * traceTicks
            var state = currentState
            while row < end {
                state.time = time(ofTick: row)
                trace.writeRow(time: state.time - configuration.startTime, state: state, events: events)
                lastTracedTick = row
                row += traceTicks
            }
        }
        if let onTelemetry {
            // The current tick's sample went out when it was prepared.
            var sample = (tick / telemetryTicks + 1) * telemetryTicks
            var telemetry = self.telemetry
            while sample < end {
                telemetry.time = time(ofTick: sample)
                onTelemetry(telemetry)
                sample += telemetryTicks
            }
        }
        tick = end
        prepared = false
    }

    // MARK: Acting on commands

    /// Puts the scheduled setpoints now due in force, then acts on the commands that
    /// have arrived, in their order. (A scheduled setpoint that is due as it arrives
    /// is applied as it arrives, so the order never depends on when the model is read.)
    mutating func serviceDue() {
        applyDueFromLead()
        while let arrival = inbox.first, arrival.tick <= tick {
            _ = inbox.removeFirst()
            act(on: arrival.command)
        }
    }

    mutating func act(on command: DeviceCommand) {
        switch command {
        case let .setpoint(setpoint, due, timing):
            counted.framesReceived += 1
            contact()
            switch timing {
            case .onArrival:
                apply(setpoint, due: due)
            case .scheduled:
                // As firmware does: into the buffer in the order received; one already
                // due leaves at once (counted late) unless it waits behind the head.
                if lead.push(Scheduled(dueTick: ceilTick(due), due: due, setpoint: setpoint)) {
                    applyDueFromLead()
                } else {
                    counted.leadOverflows += 1
                    events.formUnion(.overflow)
                }
            }
        case .heartbeat:
            counted.heartbeats += 1
            contact()
        case .stop:
            counted.stops += 1
            counted.lastStopTime = time
            goToZero()
            lead.removeAll()
            watchdog.disarm()
            events.formUnion(.stop)
        }
    }

    mutating func applyDueFromLead() {
        while let entry = lead.popDue(at: UInt64(tick)) {
            apply(entry.setpoint, due: entry.due)
        }
    }

    mutating func contact() {
        watchdog.heard(at: UInt64(tick))
        watchdog.arm()
        watchdog.cancelRamp()
    }

    /// Puts a setpoint in force now and records how far the device was from it.
    mutating func apply(_ setpoint: DeviceSetpoint, due: Double) {
        setLevels(intensity: setpoint.intensity, pressure: setpoint.pressure, heat: setpoint.heat)
        // Only a device with the mechanism taps; it runs within its own range.
        if let percussion = profile.percussion, setpoint.percussionRate > 0 {
            tapRate = Swift.min(Swift.max(setpoint.percussionRate, percussion.minRate), percussion.maxRate)
            let steps = Double(Swift.max(1, percussion.steps - 1))
            tapDepth = (Swift.min(Swift.max(setpoint.percussionDepth, 0), 1) * steps).rounded() / steps
        } else {
            tapRate = 0
            tapDepth = 0
        }
        let target = DeviceModel.quantizedPosition(setpoint.position, mapping: mapping, profile: profile)
        xAxis.target = target.x
        yAxis.target = target.y
        if !hasTrack {
            xAxis.position = target.x
            yAxis.position = target.y
        }
        settled = false
        counted.framesApplied += 1
        let timingError = time - due
        let late = timingError > tickInterval * (1 + 1e-9)
        if late { counted.framesLate += 1 }
        var positionError: Double?
        if hasTrack {
            let asked = mapping.millimetres(of: setpoint.position)
            let dx = asked.x - xAxis.position, dy = asked.y - yAxis.position
            positionError = (dx * dx + dy * dy).squareRoot()
        }
        errors.record(timingError: timingError, late: late, positionError: positionError)
    }

    mutating func setLevels(intensity: Double, pressure: Double, heat: Double) {
        setIntensity = DeviceModel.quantize(intensity, intensityChannel)
        setPressure = pressureChannel.map { DeviceModel.quantize(pressure, $0) } ?? 0
        setHeat = heatChannel.map { DeviceModel.quantize(heat, $0) } ?? 0
        settled = false
    }

    /// Stop: every level setpoint to zero at once; the roller brakes to a halt where
    /// it is (a position of "zero" would drive it to the end of the track).
    mutating func goToZero() {
        setLevels(intensity: 0, pressure: 0, heat: 0)
        watchdog.cancelRamp()
        haltRoller()
    }

    mutating func haltRoller() {
        guard hasTrack else { return }
        xAxis.target = Swift.min(mapping.width, Swift.max(0, xAxis.stoppingPoint))
        yAxis.target = Swift.min(mapping.length, Swift.max(0, yAxis.stoppingPoint))
        settled = false
    }

    mutating func fireWatchdog() {
        counted.watchdogFirings += 1
        events.formUnion(.watchdog)
        lead.removeAll()
        rampFrom = (setIntensity, setPressure, setHeat)
        haltRoller()
    }

    /// Linear ramp of every level setpoint from where it was when the watchdog fired to
    /// zero `watchdogRamp` seconds later, kept on the device's steps.
    mutating func continueRamp() {
        guard let left = watchdog.rampLeft(at: UInt64(tick)) else { return }
        let remaining = Double(left) / Double(watchdog.rampTicks)
        setLevels(intensity: rampFrom.intensity * remaining, pressure: rampFrom.pressure * remaining,
                  heat: rampFrom.heat * remaining)
    }

    // MARK: Physics

    mutating func moveHardware() {
        let levelsBefore = (intensity, pressure, temperature)
        let rollerBefore = (xAxis.position, xAxis.velocity, yAxis.position, yAxis.velocity)
        motorIntensity += intensityFollow * (setIntensity - motorIntensity)
        let tapped = tapRate > 0 && tapDepth > 0
        if tapped {
            let beat = sin(Double.pi * tapRate * time)
            intensity = motorIntensity * (1 - tapDepth + tapDepth * beat * beat)
        } else {
            intensity = motorIntensity
        }
        if pressure < setPressure {
            pressure = Swift.min(setPressure, pressure + pressureStep)
        } else if pressure > setPressure {
            pressure = Swift.max(setPressure, pressure - pressureStep)
        }
        if heatChannel != nil {
            temperature += heatFollow * (ambient + setHeat * heatSpan - temperature)
            if temperature >= maxTemperature {
                temperature = maxTemperature
                if !heatCutOut { hardwareEvents.formUnion(.heatCutoff) }
                heatCutOut = true
            } else {
                heatCutOut = false
            }
        }
        if hasTrack {
            xAxis.step(dt: tickInterval)
            yAxis.step(dt: tickInterval)
        }
        settled = !tapped && levelsBefore == (intensity, pressure, temperature)
            && rollerBefore == (xAxis.position, xAxis.velocity, yAxis.position, yAxis.velocity)
    }

    // MARK: Views

    var currentState: DeviceState {
        DeviceState(time: time, setIntensity: setIntensity, setX: xAxis.target, setY: yAxis.target,
                    setPressure: setPressure, setHeat: setHeat, intensity: intensity,
                    x: xAxis.position, y: yAxis.position, velocityX: xAxis.velocity,
                    velocityY: yAxis.velocity, pressure: pressure, temperature: temperature,
                    position: mapping.point(x: xAxis.position, y: yAxis.position),
                    intensityZeroThreshold: intensityZeroThreshold)
    }

    var telemetry: Telemetry {
        let point = mapping.point(x: xAxis.position, y: yAxis.position)
        return Telemetry(time: time, intensity: intensity, x: point.x, y: point.y, pressure: pressure,
                         temperature: temperature, events: events.telemetryEvents)
    }
}
