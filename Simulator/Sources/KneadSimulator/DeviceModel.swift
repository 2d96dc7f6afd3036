import Foundation
import KneadCore
import KneadEngine

/// A simulated massage device: a pure, deterministic physical model stepped in fixed
/// device ticks (1 kHz by default). It has no clock of its own: whoever owns it moves
/// it forward with `advance(to:)` and hands it commands with the device time they
/// arrive at. The same inputs always give the same trace, byte for byte.
///
/// One tick n (device time `startTime + n / tickRate`) runs in this order:
/// 1. commands that arrived by tick n are acted on (a command arriving between two
///    ticks takes effect at the next one), then scheduled setpoints due by tick n;
/// 2. the watchdog is checked and its ramp advanced;
/// 3. the state at tick n is reported (trace row, telemetry);
/// 4. the hardware moves for one tick under the setpoints in force.
///
/// Not thread-safe: one owner at a time (the backends hold it under a lock).
public final class DeviceModel {
    public struct Configuration: Sendable, Equatable {
        /// Device ticks per second.
        public var tickRate: Int
        /// Device time of tick 0, seconds.
        public var startTime: Double
        /// The room, °C: where the heat pad starts and cools toward.
        public var ambientTemperature: Double
        /// The heat pad at start, °C; ambient when nil.
        public var initialTemperature: Double?
        /// Seconds without a frame or heartbeat before the device ramps to zero by
        /// itself; the profile's watchdog when nil.
        public var watchdogPeriod: Double?
        /// How long the watchdog's ramp to zero takes, seconds.
        public var watchdogRamp: Double
        /// Scheduled setpoints the device can hold.
        public var leadBufferCapacity: Int
        public var body: BodyProfile
        /// Base of the neck below the upper end of a chair's track, mm.
        public var neckOffset: Double
        /// Where the roller starts.
        public var restPosition: BackPoint
        /// Times the control loop stops processing (fault injection).
        public var stalls: [Stall]
        /// Telemetry samples, seconds apart (events are reported at once as well).
        public var telemetryInterval: Double

        public init(tickRate: Int = 1000, startTime: Double = 0, ambientTemperature: Double = 22,
                    initialTemperature: Double? = nil, watchdogPeriod: Double? = nil,
                    watchdogRamp: Double = 0.5, leadBufferCapacity: Int = 256,
                    body: BodyProfile = .default, neckOffset: Double = BodyMapping.defaultNeckOffset,
                    restPosition: BackPoint = .restPosition, stalls: [Stall] = [],
                    telemetryInterval: Double = 0.02) {
            self.tickRate = tickRate
            self.startTime = startTime
            self.ambientTemperature = ambientTemperature
            self.initialTemperature = initialTemperature
            self.watchdogPeriod = watchdogPeriod
            self.watchdogRamp = watchdogRamp
            self.leadBufferCapacity = leadBufferCapacity
            self.body = body
            self.neckOffset = neckOffset
            self.restPosition = restPosition
            self.stalls = stalls
            self.telemetryInterval = telemetryInterval
        }
    }

    /// The control loop stops processing commands, scheduled setpoints and its
    /// watchdog for `duration` seconds from device time `at`; the motors keep running
    /// on the last setpoints. Commands arriving meanwhile wait and are acted on after.
    public struct Stall: Sendable, Equatable {
        public var at: Double
        public var duration: Double
        public init(at: Double, duration: Double) {
            self.at = at
            self.duration = duration
        }
    }

    public let profile: DeviceProfile
    public let configuration: Configuration
    public let mapping: BodyMapping
    /// Seconds per tick.
    public let tickInterval: Double
    /// The current tick: the model's state is the state at this tick.
    public private(set) var tick: Int64 = 0
    public private(set) var counters = DeviceCounters()
    /// Called for every telemetry sample (at `telemetryInterval` and at events).
    public var onTelemetry: ((Telemetry) -> Void)?

    // Setpoints in force (quantized).
    private var setIntensity = 0.0, setPressure = 0.0, setHeat = 0.0
    // The hardware.
    private var intensity = 0.0, pressure = 0.0, temperature: Double
    private var xAxis: RollerAxis, yAxis: RollerAxis
    private let hasTrack: Bool
    private var heatCutOut = false

    // Constants per tick.
    private let intensityFollow: Double
    private let heatFollow: Double
    private let pressureStep: Double
    private let heatTarget0: Double, heatTargetSpan: Double, maxTemperature: Double
    private let watchdogTicks: Int64
    private let rampTicks: Int64
    private let telemetryTicks: Int64

    // Watchdog.
    private var watchdogArmed = false
    private var lastContactTick: Int64 = 0
    private var ramp: (startTick: Int64, intensity: Double, pressure: Double, heat: Double)?

    // Commands in flight and the lead buffer.
    private struct Arrival {
        var tick: Int64
        var command: DeviceCommand
    }
    private var inbox = FIFO<Arrival>()
    private var lead: LeadBuffer
    private var stallTicks: [(start: Int64, end: Int64)]
    private var marks: [(tick: Int64, events: DeviceEvents)] = []

    // This tick's bookkeeping.
    private var prepared = false
    private var events: DeviceEvents = []
    private var wasStalled = false

    private var errors: DeviceErrorRecorder
    private var trace: TraceWriter?
    private var traceTicks: Int64 = 1
    private var lastTracedTick: Int64 = -1

    public init(profile: DeviceProfile, configuration: Configuration = .init()) {
        let rate = Swift.max(1, configuration.tickRate)
        let dt = 1 / Double(rate)
        self.profile = profile
        self.configuration = configuration
        self.tickInterval = dt
        mapping = BodyMapping(profile: profile, body: configuration.body, neckOffset: configuration.neckOffset)
        hasTrack = profile.position != nil

        intensityFollow = profile.motorLag > 0 ? 1 - exp(-dt / profile.motorLag) : 1
        pressureStep = (profile.pressure?.maxSlew ?? .infinity) * dt
        let ambient = configuration.ambientTemperature
        if let heat = profile.heat {
            heatFollow = heat.timeConstant > 0 ? 1 - exp(-dt / heat.timeConstant) : 1
            maxTemperature = heat.maxTemperature
            heatTargetSpan = heat.maxTemperature - ambient
        } else {
            heatFollow = 0
            maxTemperature = .infinity
            heatTargetSpan = 0
        }
        heatTarget0 = ambient
        temperature = Swift.min(configuration.initialTemperature ?? ambient, maxTemperature)

        func ticks(_ seconds: Double) -> Int64 { Int64((seconds * Double(rate)).rounded()) }
        watchdogTicks = Swift.max(1, ticks(configuration.watchdogPeriod ?? profile.watchdog))
        rampTicks = Swift.max(1, ticks(configuration.watchdogRamp))
        telemetryTicks = Swift.max(1, ticks(configuration.telemetryInterval))

        let rest = Self.quantizedPosition(configuration.restPosition, mapping: mapping, profile: profile)
        let track = profile.position
        xAxis = RollerAxis(position: rest.x, maxSpeed: track?.maxSpeed ?? 0,
                           maxAcceleration: track?.maxAcceleration ?? 0)
        yAxis = RollerAxis(position: rest.y, maxSpeed: track?.maxSpeed ?? 0,
                           maxAcceleration: track?.maxAcceleration ?? 0)
        lead = LeadBuffer(capacity: configuration.leadBufferCapacity)
        errors = DeviceErrorRecorder(hasPosition: profile.position != nil)
        stallTicks = []
        stallTicks = configuration.stalls.filter { $0.duration > 0 }.map {
            (ceilTick($0.at), ceilTick($0.at + $0.duration))
        }.sorted { $0.start < $1.start }
    }

    // MARK: Time

    public var tickRate: Int { Swift.max(1, configuration.tickRate) }

    /// Device time of the current tick, seconds.
    public var time: Double { time(ofTick: tick) }

    public func time(ofTick tick: Int64) -> Double {
        configuration.startTime + Double(tick) / Double(tickRate)
    }

    /// The last tick at or before `time` (1 ns of tolerance for rounding).
    public func floorTick(_ time: Double) -> Int64 {
        guard time.isFinite else { return time > 0 ? Int64.max / 2 : 0 }
        return Int64(((time - configuration.startTime) * Double(tickRate) + 1e-6).rounded(.down))
    }

    /// The first tick at or after `time` (1 ns of tolerance for rounding).
    public func ceilTick(_ time: Double) -> Int64 {
        guard time.isFinite else { return time > 0 ? Int64.max / 2 : 0 }
        return Int64(((time - configuration.startTime) * Double(tickRate) - 1e-6).rounded(.up))
    }

    /// Runs the device up to the last tick at or before `time`. Going back is ignored.
    public func advance(to time: Double) {
        let target = floorTick(time)
        while tick < target { step() }
    }

    /// Acts on everything due at the current tick (commands, scheduled setpoints,
    /// watchdog), so that `state` reflects it. Idempotent within a tick.
    public func settle() { prepare() }

    // MARK: Input

    /// A command reaches the device at device time `time`: it takes effect at the first
    /// tick at or after it, after anything that arrived before it. Call `advance(to:)`
    /// up to the arrival first when time moves on; an arrival in the past counts as now.
    public func receive(_ command: DeviceCommand, at time: Double) {
        let arrivalTick = Swift.max(tick, ceilTick(time))
        inbox.append(Arrival(tick: arrivalTick, command: command))
        if prepared && arrivalTick <= tick && !isStalled(tick) { serviceDue() }
    }

    /// Notes an event at a device time (for example the link going down), for the trace.
    public func mark(_ events: DeviceEvents, at time: Double) {
        let at = Swift.max(tick, ceilTick(time))
        if at == tick && prepared {
            self.events.formUnion(events)
            return
        }
        marks.append((at, events))
        marks.sort { $0.tick < $1.tick }
    }

    /// A protocol's device side discarded a message (bad checksum, garbage).
    public func noteRejectedMessage() {
        counters.rejectedMessages += 1
        events.insert(.rejected)
    }

    /// A message damaged on the link reaches the device at `time` and fails its
    /// integrity check there: counted, noted in the trace, otherwise ignored.
    public func receiveDamaged(at time: Double) {
        counters.rejectedMessages += 1
        mark(.rejected, at: time)
    }

    /// Lets the device run on until every setpoint is zero and the hardware has come to
    /// rest there, or `limit` seconds of device time have passed.
    public func runUntilAtRest(limit: Double) {
        let end = tick + Int64((Swift.max(0, limit) * Double(tickRate)).rounded())
        while tick < end {
            prepare()
            if currentState.isAtZero && xAxis.isAtRest && yAxis.isAtRest && inbox.isEmpty && lead.count == 0
                && ramp == nil { return }
            step()
        }
    }

    /// Scheduled setpoints the lead buffer can still take.
    public var freeLeadSlots: Int { lead.freeSlots }

    // MARK: Output

    /// The state at the current tick, with everything due acted on.
    public var state: DeviceState {
        prepare()
        return currentState
    }

    public var errorSummary: DeviceErrorSummary { errors.summary }

    /// Streams the trace to `writer` from the current tick on: one row every
    /// `interval` seconds of device time (every tick when nil) and one at every event.
    public func attachTrace(_ writer: TraceWriter, interval: Double? = 0.01) {
        trace = writer
        traceTicks = Swift.max(1, Int64(((interval ?? 0) * Double(tickRate)).rounded()))
    }

    /// Writes the current tick's row (the last state) and flushes the trace; call when
    /// the session is over.
    public func finishTrace() {
        prepare()
        if let trace, lastTracedTick < tick {
            trace.writeRow(time: time - configuration.startTime, state: currentState, events: events)
            lastTracedTick = tick
        }
        trace?.finish()
        trace = nil
    }

    public var traceError: TraceError? { trace?.error }

    // MARK: The tick

    private func step() {
        prepare()
        if let trace, tick % traceTicks == 0 || !events.isEmpty {
            trace.writeRow(time: time - configuration.startTime, state: currentState, events: events)
            lastTracedTick = tick
        }
        moveHardware()
        tick += 1
        prepared = false
        events = []
    }

    private func prepare() {
        guard !prepared else { return }
        prepared = true
        while let mark = marks.first, mark.tick <= tick {
            events.formUnion(mark.events)
            marks.removeFirst()
        }
        let stalled = isStalled(tick)
        if stalled != wasStalled {
            events.insert(stalled ? .stall : .resume)
            wasStalled = stalled
        }
        if !stalled {
            serviceDue()
            if watchdogArmed && tick - lastContactTick >= watchdogTicks { fireWatchdog() }
            if let ramp { continueRamp(ramp) }
        }
        if let onTelemetry, tick % telemetryTicks == 0 || !events.isEmpty {
            onTelemetry(telemetry)
        }
    }

    private func isStalled(_ tick: Int64) -> Bool {
        for stall in stallTicks where stall.start <= tick && tick < stall.end { return true }
        return false
    }

    /// Acts on the commands that have arrived and the scheduled setpoints now due.
    private func serviceDue() {
        while let arrival = inbox.first, arrival.tick <= tick {
            _ = inbox.removeFirst()
            act(on: arrival.command)
        }
        while let entry = lead.first, entry.dueTick <= tick {
            _ = lead.removeFirst()
            apply(entry.setpoint, due: entry.due)
        }
    }

    private func act(on command: DeviceCommand) {
        switch command {
        case let .setpoint(setpoint, due, timing):
            counters.framesReceived += 1
            contact()
            switch timing {
            case .onArrival:
                apply(setpoint, due: due)
            case .scheduled:
                let entry = LeadBuffer.Entry(dueTick: ceilTick(due), due: due, setpoint: setpoint)
                if !lead.insert(entry) {
                    counters.leadOverflows += 1
                    events.insert(.overflow)
                }
            }
        case .heartbeat:
            counters.heartbeats += 1
            contact()
        case .stop:
            counters.stops += 1
            counters.lastStopTime = time
            goToZero()
            lead.removeAll()
            watchdogArmed = false
            events.insert(.stop)
        }
    }

    private func contact() {
        watchdogArmed = true
        lastContactTick = tick
        ramp = nil
    }

    /// Puts a setpoint in force now and records how far the device was from it.
    private func apply(_ setpoint: DeviceSetpoint, due: Double) {
        setIntensity = Self.quantize(setpoint.intensity, profile.intensity)
        setPressure = profile.pressure.map { Self.quantize(setpoint.pressure, $0) } ?? 0
        setHeat = profile.heat.map { Self.quantize(setpoint.heat, $0.channel) } ?? 0
        let target = Self.quantizedPosition(setpoint.position, mapping: mapping, profile: profile)
        xAxis.target = target.x
        yAxis.target = target.y
        if !hasTrack {
            xAxis.position = target.x
            yAxis.position = target.y
        }
        counters.framesApplied += 1
        let timingError = time - due
        let late = timingError > tickInterval * (1 + 1e-9)
        if late { counters.framesLate += 1 }
        var positionError: Double?
        if hasTrack {
            let asked = mapping.millimetres(of: setpoint.position)
            let dx = asked.x - xAxis.position, dy = asked.y - yAxis.position
            positionError = (dx * dx + dy * dy).squareRoot()
        }
        errors.record(timingError: timingError, late: late, positionError: positionError)
    }

    /// Stop: every level setpoint to zero at once; the roller brakes to a halt where
    /// it is (a position of "zero" would drive it to the end of the track).
    private func goToZero() {
        setIntensity = 0
        setPressure = 0
        setHeat = 0
        ramp = nil
        haltRoller()
    }

    private func haltRoller() {
        guard hasTrack else { return }
        xAxis.target = Swift.min(mapping.width, Swift.max(0, xAxis.stoppingPoint))
        yAxis.target = Swift.min(mapping.length, Swift.max(0, yAxis.stoppingPoint))
    }

    private func fireWatchdog() {
        counters.watchdogFirings += 1
        watchdogArmed = false
        events.insert(.watchdog)
        lead.removeAll()
        ramp = (tick, setIntensity, setPressure, setHeat)
        haltRoller()
    }

    /// Linear ramp of every level setpoint from where it was when the watchdog fired to
    /// zero `watchdogRamp` seconds later, kept on the device's steps.
    private func continueRamp(_ ramp: (startTick: Int64, intensity: Double, pressure: Double, heat: Double)) {
        let remaining = Swift.max(0, 1 - Double(tick - ramp.startTick) / Double(rampTicks))
        setIntensity = Self.quantize(ramp.intensity * remaining, profile.intensity)
        setPressure = profile.pressure.map { Self.quantize(ramp.pressure * remaining, $0) } ?? 0
        setHeat = profile.heat.map { Self.quantize(ramp.heat * remaining, $0.channel) } ?? 0
        if remaining == 0 { self.ramp = nil }
    }

    private func moveHardware() {
        intensity += intensityFollow * (setIntensity - intensity)
        if pressure < setPressure {
            pressure = Swift.min(setPressure, pressure + pressureStep)
        } else if pressure > setPressure {
            pressure = Swift.max(setPressure, pressure - pressureStep)
        }
        if profile.heat != nil {
            let target = heatTarget0 + setHeat * heatTargetSpan
            temperature += heatFollow * (target - temperature)
            if temperature >= maxTemperature {
                temperature = maxTemperature
                if !heatCutOut { events.insert(.heatCutoff) }
                heatCutOut = true
            } else {
                heatCutOut = false
            }
        }
        if hasTrack {
            xAxis.step(dt: tickInterval)
            yAxis.step(dt: tickInterval)
        }
    }

    // MARK: Views

    private var currentState: DeviceState {
        DeviceState(time: time, setIntensity: setIntensity, setX: xAxis.target, setY: yAxis.target,
                    setPressure: setPressure, setHeat: setHeat, intensity: intensity,
                    x: xAxis.position, y: yAxis.position, velocityX: xAxis.velocity,
                    velocityY: yAxis.velocity, pressure: pressure, temperature: temperature,
                    position: mapping.point(x: xAxis.position, y: yAxis.position),
                    intensityZeroThreshold: 0.5 / Double(Swift.max(1, profile.intensity.steps - 1)))
    }

    private var telemetry: Telemetry {
        let point = mapping.point(x: xAxis.position, y: yAxis.position)
        return Telemetry(time: time, intensity: intensity, x: point.x, y: point.y, pressure: pressure,
                         temperature: temperature, event: events.isEmpty ? nil : events.label)
    }

    // MARK: Quantization

    /// A level on the channel's steps: clamped to 0…the channel's own cap, then the
    /// nearest of `steps` evenly spaced levels 0, 1/(steps−1), …, 1 not above the cap.
    public static func quantize(_ value: Double, _ channel: DeviceProfile.Channel) -> Double {
        let cap = channel.max.unitClamped
        let level = Swift.min(value.unitClamped, cap)
        guard channel.steps >= 2 else { return level }
        let divisions = Double(channel.steps - 1)
        var index = (level * divisions).rounded()
        if index / divisions > cap { index = (cap * divisions).rounded(.down) }
        return index / divisions
    }

    /// A position on the track's grid (`steps` positions per axis over its length), mm;
    /// for a device without a track, the body millimetres as they are.
    public static func quantizedPosition(_ point: BackPoint, mapping: BodyMapping,
                                         profile: DeviceProfile) -> (x: Double, y: Double) {
        let mm = mapping.reachableMillimetres(of: point)
        guard let track = profile.position, track.steps >= 2 else { return mm }
        let divisions = Double(track.steps - 1)
        func snap(_ value: Double, _ length: Double) -> Double {
            guard length > 0 else { return 0 }
            return (value / length * divisions).rounded() * length / divisions
        }
        return (snap(mm.x, mapping.width), snap(mm.y, mapping.length))
    }
}
