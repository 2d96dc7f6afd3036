import Synchronization

/// The last stage of every frame stream. See docs/safety.md for the rules and numbers.
///
/// Applies `SafetyLimits` to frames one at a time. Stateful (slew, hold timers, the
/// session clock), so one envelope serves one stream.
///
/// Threads: `admit` and `endStream` belong to one thread, the one that produces the
/// stream (the engine's real-time thread); they take no locks, allocate nothing and
/// log nothing. The live controls (`pause`, `resume`, `stop`, `setPersonCap`,
/// `adjustPersonCap`) and the published state (`phase`, `personCap`, `isStopped`, …)
/// may be used from any thread: they are single atomics, read once per frame.
public final class SafetyEnvelope: @unchecked Sendable {
    /// Where the stream stands, as of the last admitted frame.
    public enum Phase: UInt8, Sendable, CaseIterable {
        /// No frame admitted yet.
        case idle
        /// Frames pass, within every rule (this includes the soft start).
        case playing
        /// A pause was asked for: intensity and pressure ramp to zero.
        case pausing
        /// Paused with intensity and pressure at zero.
        case paused
        /// A stop was asked for: everything ramps to zero as fast as the limits allow.
        case stopping
        /// Stopped: intensity, pressure and heat are zero and stay there.
        case stopped
        /// The stream ended or the session cap was reached: the final ramp to zero.
        case ending
        /// The final ramp is done: everything is zero and stays there.
        case ended
    }

    /// The limits as given; `admit` applies a sanitized copy.
    public let limits: SafetyLimits
    let rules: SafetyRules

    // Live controls and published state: any thread.
    private let personCapBits: Atomic<UInt64>
    private let pauseRequest = Atomic<Bool>(false)
    private let stopRequest = Atomic<Bool>(false)
    private let publishedPhase = Atomic<UInt8>(Phase.idle.rawValue)
    private let sessionCapHit = Atomic<Bool>(false)

    // Stream state: the admitting thread only.
    private var started = false
    /// The last frame let through: where every slew limit starts from.
    private(set) var last = Frame.zero(at: 0)
    /// No massage mechanism taps faster than this, Hz.
    public static let fastestPercussion = 100.0
    private var startTime = 0.0
    /// Time spent paused at zero: not part of the session.
    private var restedTime = 0.0
    /// Session time at which the current soft start (or resume ramp) began.
    private var fadeStart = 0.0
    private var stopping = false
    private var ending = false
    private var firmAnchor = BackPoint.restPosition
    /// Seconds of firm pressure at `firmAnchor`: grows while firm, drains while not.
    private var firmLoad = 0.0
    /// The firm-hold cap tripped at `firmAnchor`: pressure stays below firm until the point changes.
    private var firmCapped = false

    public init(limits: SafetyLimits) {
        self.limits = limits
        rules = SafetyRules(limits)
        personCapBits = Atomic(rules.initialPersonCap.bitPattern)
    }

    // MARK: The stream (admitting thread only)

    /// Makes one frame safe given everything that came before it.
    ///
    /// The first frame starts from zero: its intensity, pressure and heat are 0 and its
    /// position is taken as it is (clamped to the back). Times that are not finite, lie
    /// beyond ±`latestTime` or go backwards are taken as the previous frame's time (no
    /// time passes, nothing moves).
    public func admit(_ input: Frame) -> SafeFrame {
        let time: Double
        let dt: Double
        let usableTime = abs(input.time) <= Self.latestTime
        if started {
            time = usableTime && input.time > last.time ? input.time : last.time
            dt = time - last.time
        } else {
            time = usableTime ? input.time : 0
            dt = 0
            begin(at: time, position: Self.position(of: input, otherwise: .restPosition))
        }

        if stopRequest.load(ordering: .acquiring) { stopping = true }
        let pauseAsked = pauseRequest.load(ordering: .acquiring)
        let personCap = Double(bitPattern: personCapBits.load(ordering: .acquiring))

        // The session clock: time since the first frame, less time paused at zero.
        if pauseAsked && last.intensity == 0 && last.pressure == 0 { restedTime += dt }
        let sessionTime = time - startTime - restedTime
        if sessionTime >= rules.sessionCap && !ending {
            ending = true
            sessionCapHit.store(true, ordering: .releasing)
        }
        let winding = stopping || ending
        let quiet = winding || pauseAsked

        // Soft start, and the same ramp after a resume: a gain from 0 to 1 over startRamp.
        if quiet { fadeStart = sessionTime }
        let fade = rules.startRamp > 0 ? Swift.min(1, (sessionTime - fadeStart) / rules.startRamp) : 1

        // Caps: the person's (live), the pattern's and the device's; NaN counts as 0.
        let wantIntensity = Swift.min(input.intensity.unitClamped, rules.maxIntensity, personCap)
        let wantPressure = Swift.min(input.pressure.unitClamped, rules.maxPressure, personCap)
        let wantHeat = Swift.min(input.heat.unitClamped, rules.maxHeat)
        let targetIntensity = quiet ? 0 : wantIntensity * fade
        var targetPressure = quiet ? 0 : wantPressure * fade
        let targetHeat = quiet ? 0 : wantHeat

        // Position: held while winding down; firm work asked for on the spine line goes
        // to the paraspinal line; never faster than the speed limit.
        let from = last.position
        var goal = from
        if !winding {
            goal = Self.position(of: input, otherwise: from)
            if wantPressure >= firmPressureThreshold && Anatomy.isOnSpineLine(goal) {
                goal = Self.paraspinal(for: goal, comingFrom: from)
            }
        }
        var position = Slew.toward(from, goal, reach: Slew.allowance(rules.positionSpeed, dt))
        // Crossing or touching the spine band: pressure is held at `relievedPressure` or
        // below on every frame in it, so the move across waits (x held) until the
        // pressure has come down to that.
        if Slew.touchesSpineLine(from.x, position.x) {
            targetPressure = Swift.min(targetPressure, SafetyLimits.relievedPressure)
            if last.pressure > SafetyLimits.relievedPressure { position.x = from.x }
        }

        // Firm-hold cap.
        trackFirmHold(at: position, dt: dt)
        if firmCapped { targetPressure = Swift.min(targetPressure, SafetyLimits.relievedPressure) }
        let pressureRate = winding ? rules.pressureEndRate : rules.pressureSlew
        var pressure = Slew.toward(last.pressure, targetPressure, maxStep: Slew.allowance(pressureRate, dt))
        if !firmCapped && pressure >= firmPressureThreshold {
            // Still firm here, and easing down from here at the slew limit must end below
            // firm before the hold reaches its cap: otherwise start easing now.
            let easeTime = (pressure - firmPressureThreshold) / rules.pressureSlew
            if !(firmLoad + easeTime <= rules.maxFirmHold) {
                firmCapped = true
                targetPressure = Swift.min(targetPressure, SafetyLimits.relievedPressure)
                pressure = Slew.toward(last.pressure, targetPressure, maxStep: Slew.allowance(pressureRate, dt))
            }
        }

        // A firm run begins here: the point is where it begins (the load carried over
        // belongs to this point, being within the radius of the last one).
        if pressure >= firmPressureThreshold && last.pressure < firmPressureThreshold { firmAnchor = position }

        let intensity = Slew.toward(last.intensity, targetIntensity,
                                    maxStep: Slew.allowance(winding ? rules.intensityEndRate : rules.intensitySlew, dt))
        let heat = Slew.toward(last.heat, targetHeat,
                               maxStep: Slew.allowance(winding ? rules.heatEndRate : rules.heatSlew, dt))

        var output = input
        output.time = time
        output.intensity = intensity
        output.pressure = pressure
        output.heat = heat
        output.position = position
        // Taps a device makes itself ride on the intensity: with it at zero (every way
        // out ends there) there are none, and nonsense never reaches the device.
        let rate = input.percussionRate
        let tapping = intensity > 0 && rate.isFinite && rate > 0 && rate <= Self.fastestPercussion
        output.percussionRate = tapping ? rate : 0
        output.percussionDepth = tapping && input.percussionDepth.isFinite ? input.percussionDepth.unitClamped : 0
        if case let .point(p) = input.target, !(p.x.isFinite && p.y.isFinite) {
            output.target = .point(position)
        }
        last = output
        publishPhase(pauseAsked: pauseAsked)
        return SafeFrame(output)
    }

    /// Frame times beyond this (±31 years, in seconds) are garbage. The bound keeps every
    /// time small enough that adding a 0.5 ms period to it still moves it forward.
    public static let latestTime: Double = 1e9

    /// The stream has no more frames: from the next frame on, everything ramps to zero
    /// (at the slew limits, within `endRamp`) with the position held. `SafeFrames` calls
    /// this when its base sequence ends.
    public func endStream() {
        ending = true
        if started { publishPhase(pauseAsked: false) }
    }

    /// Seconds of session so far (paused time excluded), as of the last admitted frame.
    public var sessionTime: Double {
        started ? last.time - startTime - restedTime : 0
    }

    /// Winding down (stop, session cap, or end of stream): frames only ramp to zero now.
    var isWinding: Bool { stopping || ending || stopRequest.load(ordering: .acquiring) }

    /// Paused, with intensity and pressure already at zero: nothing is lost by holding here.
    var isRestingInPause: Bool {
        started && pauseRequest.load(ordering: .acquiring) && last.intensity == 0 && last.pressure == 0
    }

    var hasStarted: Bool { started }

    /// Winding down has been acted on and everything is at zero: the stream may end.
    var hasWoundDown: Bool {
        (stopping || ending) && last.intensity == 0 && last.pressure == 0 && last.heat == 0
    }

    private func begin(at time: Double, position: BackPoint) {
        started = true
        startTime = time
        fadeStart = 0
        last = Frame.zero(at: time, position: position)
        firmAnchor = position
    }

    /// The firm-hold bookkeeping, at the position this frame goes to. A point "changes"
    /// when the position moves more than `firmHoldRadius` from where the firm pressure
    /// began (or, between runs, from where the last one began); that resets the load
    /// and lifts the cap.
    private func trackFirmHold(at position: BackPoint, dt: Double) {
        let moved = position.distance(to: firmAnchor) > rules.firmHoldRadius
        if last.pressure >= firmPressureThreshold {
            if moved {
                firmAnchor = position
                firmLoad = 0
                firmCapped = false
            } else {
                firmLoad += dt
            }
        } else {
            // Rest drains the load as fast as pressing fills it, so rhythmic pressing
            // (shiatsu) at up to half the time never trips the cap.
            firmLoad = Swift.max(0, firmLoad - dt)
            if moved {
                firmAnchor = position
                firmLoad = 0
                firmCapped = false
            }
        }
    }

    private func publishPhase(pauseAsked: Bool) {
        let motionless = last.intensity == 0 && last.pressure == 0
        let phase: Phase
        if stopping {
            phase = motionless && last.heat == 0 ? .stopped : .stopping
        } else if ending {
            phase = motionless && last.heat == 0 ? .ended : .ending
        } else if pauseAsked {
            phase = motionless ? .paused : .pausing
        } else {
            phase = .playing
        }
        publishedPhase.store(phase.rawValue, ordering: .releasing)
    }

    /// The frame's position clamped to the back; a coordinate that is not finite is
    /// taken from `otherwise` (holding still is the safe reading of garbage).
    private static func position(of frame: Frame, otherwise: BackPoint) -> BackPoint {
        BackPoint(x: frame.x.isFinite ? Swift.min(1, Swift.max(0, frame.x)) : otherwise.x,
                  y: frame.y.isFinite ? Swift.min(1, Swift.max(0, frame.y)) : otherwise.y)
    }

    /// The paraspinal line for firm work asked for on the spine: the one on the side the
    /// device is on already (so it does not cross the spine to get there), or the one
    /// nearest the goal when it is right on the centre line.
    private static func paraspinal(for goal: BackPoint, comingFrom from: BackPoint) -> BackPoint {
        Anatomy.nearestParaspinal(to: BackPoint(x: from.x == 0.5 ? goal.x : from.x, y: goal.y))
    }

    // MARK: Live controls (any thread)

    /// How far one press of + or - moves the person's cap.
    public static let personCapStep: Level = 0.1

    /// The person's cap on intensity and pressure now.
    public var personCap: Level { Double(bitPattern: personCapBits.load(ordering: .acquiring)) }

    /// The intensity cap in force now: the person's, the pattern's and the device's.
    public var intensityCap: Level { Swift.min(rules.maxIntensity, personCap) }

    /// The pressure cap in force now.
    public var pressureCap: Level { Swift.min(rules.maxPressure, personCap) }

    /// Sets the person's cap (0…1; NaN counts as 0). It applies from the next frame,
    /// through the slew limits: lowering it ramps down, raising it ramps up, never a jump.
    /// It can never lift intensity or pressure above the pattern's or the device's caps.
    public func setPersonCap(_ cap: Level) {
        personCapBits.store(cap.unitClamped.bitPattern, ordering: .releasing)
    }

    /// Moves the person's cap by `delta` (the + and - keys: ±`personCapStep`), rounded to
    /// whole percent, and returns the new cap. Lowering starts from the cap actually in
    /// force, so the first press of - is always felt.
    @discardableResult
    public func adjustPersonCap(by delta: Level) -> Level {
        var expected = personCapBits.load(ordering: .acquiring)
        guard !delta.isNaN else { return Double(bitPattern: expected) }
        while true {
            let current = Double(bitPattern: expected)
            let base = delta < 0 ? Swift.min(current, rules.maxIntensity) : current
            let adjusted = ((base + delta) * 100).rounded() / 100
            let new = adjusted.unitClamped
            let (exchanged, found) = personCapBits.compareExchange(
                expected: expected, desired: new.bitPattern, ordering: .acquiringAndReleasing)
            if exchanged { return new }
            expected = found
        }
    }

    /// Pauses: intensity, pressure and heat ramp to zero at the slew limits; `SafeFrames`
    /// then holds (zero frames, position still) without consuming the pattern.
    public func pause() { pauseRequest.store(true, ordering: .releasing) }

    /// Resumes after `pause`: intensity and pressure ramp back in over `startRamp`.
    public func resume() { pauseRequest.store(false, ordering: .releasing) }

    public var isPauseRequested: Bool { pauseRequest.load(ordering: .acquiring) }

    /// Stops: from the next admitted frame on, everything ramps to zero as fast as the
    /// limits allow, with the position held, and stays there. Cannot be undone.
    /// `isStopped` tells when zero is reached; `SafeFrames` ends there.
    public func stop() { stopRequest.store(true, ordering: .releasing) }

    public var isStopRequested: Bool { stopRequest.load(ordering: .acquiring) }

    /// A stop was asked for and the last admitted frame is all zero (or none was admitted:
    /// a stream stopped before it began never moved anything).
    public var isStopped: Bool {
        let phase = phase
        return phase == .stopped || (phase == .idle && isStopRequested)
    }

    /// The session cap ended (or is ending) the session.
    public var reachedSessionCap: Bool { sessionCapHit.load(ordering: .acquiring) }

    /// Where the stream stands, as of the last admitted frame.
    public var phase: Phase { Phase(rawValue: publishedPhase.load(ordering: .acquiring)) ?? .idle }
}
