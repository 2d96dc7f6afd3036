import Foundation
import KneadCore
import KneadEngine

/// A simulated massage device: a pure, deterministic physical model stepped in fixed
/// device ticks (1 kHz by default). It has no clock of its own: whoever owns it moves
/// it forward with `advance(to:)` and hands it commands with the device time they
/// arrive at. The same inputs always give the same trace, byte for byte.
///
/// One tick n (device time `startTime + n / tickRate`) runs in this order:
/// 1. the watchdog is checked (against contact before tick n) and its ramp advanced;
/// 2. scheduled setpoints due by tick n go in force, then commands that arrived by
///    tick n are acted on in arrival order (an arrival between two ticks counts at the
///    next one);
/// 3. the state at tick n is reported (trace row, telemetry);
/// 4. the hardware moves for one tick under the setpoints in force.
/// Reading the model (`state`, `counters`) acts on what is due at the current tick
/// but never changes the outcome.
///
/// When things happen is decided by the firmware's own code: the watchdog is KneadWire's
/// `KWPWatchdog` and scheduled setpoints wait in its `KWPLeadBuffer`, both counting model
/// ticks. The model adds what hardware adds (lag, slew, the roller, heat, steps).
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
        /// itself; the profile's watchdog when nil; never with `.infinity`.
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

    private var core: DeviceCore

    public init(profile: DeviceProfile, configuration: Configuration = .init()) {
        core = DeviceCore(profile: profile, configuration: configuration)
    }

    public var profile: DeviceProfile { core.profile }
    public var configuration: Configuration { core.configuration }
    public var mapping: BodyMapping { core.mapping }
    /// Seconds per tick.
    public var tickInterval: Double { core.tickInterval }
    public var tickRate: Int { core.tickRate }
    /// The current tick: the model's state is the state at this tick.
    public var tick: Int64 { core.tick }
    /// Device time of the current tick, seconds.
    public var time: Double { core.time }
    public func time(ofTick tick: Int64) -> Double { core.time(ofTick: tick) }
    /// The last tick at or before `time` (1 ns of tolerance for rounding).
    public func floorTick(_ time: Double) -> Int64 { core.floorTick(time) }
    /// The first tick at or after `time` (1 ns of tolerance for rounding).
    public func ceilTick(_ time: Double) -> Int64 { core.ceilTick(time) }

    /// Called for every telemetry sample (at `telemetryInterval` and at events).
    public var onTelemetry: ((Telemetry) -> Void)? {
        get { core.onTelemetry }
        set { core.onTelemetry = newValue }
    }

    // MARK: Time

    /// Runs the device up to the last tick at or before `time`. Going back is ignored.
    public func advance(to time: Double) { core.advance(to: time) }

    /// Acts on everything due at the current tick (commands, scheduled setpoints,
    /// watchdog), so that `state` reflects it. Idempotent within a tick.
    public func settle() { core.settle() }

    /// Lets the device run on until every setpoint is zero and the hardware has come to
    /// rest there, or `limit` seconds of device time have passed.
    public func runUntilAtRest(limit: Double) { core.runUntilAtRest(limit: limit) }

    // MARK: Input

    /// A command reaches the device at device time `time`: it takes effect at the first
    /// tick at or after it, after anything that arrived before it. Call `advance(to:)`
    /// up to the arrival first when time moves on; an arrival in the past counts as now.
    public func receive(_ command: DeviceCommand, at time: Double) { core.receive(command, at: time) }

    /// Notes an event at a device time (for example the link going down), for the trace.
    public func mark(_ events: DeviceEvents, at time: Double) { core.mark(events, at: time) }

    /// A protocol's device side discarded a message (bad checksum, garbage) just now.
    public func noteRejectedMessage() { core.noteRejectedMessage() }

    /// A message damaged on the link reaches the device at `time` and fails its
    /// integrity check there: counted, noted in the trace, otherwise ignored.
    public func receiveDamaged(at time: Double) { core.receiveDamaged(at: time) }

    /// Scheduled setpoints the lead buffer can still take.
    public var freeLeadSlots: Int { core.freeLeadSlots }

    // MARK: Output

    /// The state at the current tick, with everything due acted on.
    public var state: DeviceState { core.state }
    /// What the device counted, with everything due at the current tick acted on.
    public var counters: DeviceCounters { core.counters }
    public var errorSummary: DeviceErrorSummary { core.errorSummary }

    /// Streams the trace to `writer` from the current tick on: one row every
    /// `interval` seconds of device time (every tick when nil) and one at every event.
    public func attachTrace(_ writer: TraceWriter, interval: Double? = 0.01) {
        core.attachTrace(writer, interval: interval)
    }

    /// Sends a telemetry sample of the current state now (for example the last one).
    public func publishTelemetry() { core.publishTelemetry() }

    /// Writes the current tick's row (the last state) and flushes the trace; call when
    /// the session is over.
    public func finishTrace() { core.finishTrace() }

    public var traceError: TraceError? { core.traceError }

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
