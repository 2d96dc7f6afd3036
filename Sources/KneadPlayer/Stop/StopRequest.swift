/// A request to end a play, and how fast the device is brought to zero.
///
/// docs/safety.md has the table: the person's and the system's ways out ramp to zero
/// through the envelope (at most `SafetyLimits.endRamp`, 300 ms at the most) and then
/// stop the device; a second signal stops the device at once, without the ramp, as do
/// a device error and a lost device (the engine does those itself).
public enum StopRequest: Sendable, Equatable {
    /// q, Esc (or a raw Ctrl-C byte): ramp to zero, then stop.
    case key(PlayOutcome.PersonStop)
    /// The first SIGINT, SIGTERM, SIGHUP or SIGQUIT: ramp to zero, then stop.
    case signal(Int32)
    /// A signal after the first: stop the device now, no ramp.
    case force(Int32)
    /// What the play prints could not be written (a full disk, a closed standard
    /// output): ramp to zero, then stop; the play ends with exit 74, not played blind.
    case outputLost(String)

    /// Whether this way out goes through the envelope's ramp.
    public var ramps: Bool {
        if case .force = self { return false }
        return true
    }
}

/// How the device was brought to zero, for the summary's `wayOut`.
public enum StopKind: String, Sendable, Equatable, Encodable {
    /// Through the envelope's ramp, then the device's stop.
    case ramp
    /// The device's stop at once, skipping every queue (second signal, device error).
    case immediate
}
