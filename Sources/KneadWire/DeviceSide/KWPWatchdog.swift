/// The device's host-silence watchdog and the ramp to zero it starts (docs/protocol.md
/// 3.7), in ticks of whatever clock the owner counts: the firmware's `KWPDevice` counts
/// its device clock, the in-process simulator its model ticks. Both decide silence and
/// the ramp with this one piece of code.
///
/// The owner says when the host was heard and when silence matters (`arm`); `check`
/// fires once a whole period has passed without the host; the ramp then runs from where
/// the outputs were to zero over `rampTicks`, and `rampLeft` tells the owner how much of
/// it is left so it can scale its own outputs (integers on a microcontroller, levels in
/// the simulator).
public struct KWPWatchdog {
    public let periodTicks: UInt64
    public let rampTicks: UInt64
    /// Whether host silence trips it now (firmware: while playing; the simulator: from
    /// the first frame or heartbeat until a stop).
    public private(set) var isArmed = false
    /// When the host was last heard.
    public private(set) var lastHeard: UInt64 = 0
    public private(set) var isRamping = false
    private var rampStart: UInt64 = 0

    public init(periodTicks: UInt64, rampTicks: UInt64) {
        self.periodTicks = periodTicks
        self.rampTicks = rampTicks
    }

    /// The host was heard at `now` (any valid packet, frame or heartbeat).
    public mutating func heard(at now: UInt64) { lastHeard = now }

    public mutating func arm() { isArmed = true }
    public mutating func disarm() { isArmed = false }

    /// The tick at which silence trips it if nothing is heard before; nil when disarmed.
    public var deadline: UInt64? {
        guard isArmed else { return nil }
        return periodTicks > UInt64.max - lastHeard ? UInt64.max : lastHeard + periodTicks
    }

    /// Whether a whole period of silence has passed at `now`; if so it fires: disarms
    /// and starts the ramp at `now`. Judge silence before feeding it what arrives at
    /// `now`, so a packet at the deadline comes too late.
    public mutating func check(now: UInt64) -> Bool {
        guard isArmed, now > lastHeard, now - lastHeard >= periodTicks else { return false }
        isArmed = false
        isRamping = true
        rampStart = now
        return true
    }

    /// Ticks of the ramp still to run at `now`, out of `rampTicks` (the outputs are the
    /// values the ramp started from × left / rampTicks); 0 ends the ramp, nil when none
    /// is running.
    public mutating func rampLeft(at now: UInt64) -> UInt64? {
        guard isRamping else { return nil }
        let elapsed = now > rampStart ? now - rampStart : 0
        if elapsed >= rampTicks {
            isRamping = false
            return 0
        }
        return rampTicks - elapsed
    }

    /// A stop, a new frame or a reset ends the ramp where it is.
    public mutating func cancelRamp() { isRamping = false }
}
