/// The chair's motors, modelled: each channel follows its setpoint as a first-order lag
/// (`ChairConfiguration.motorLagMicroseconds`) no faster than the channel's announced
/// `max_slew`. What they reach is what TELEMETRY reports as measured.
///
/// Runs at a fixed control period on the device clock, in integers (the Cortex-M4 here
/// has no FPU in use): each value is kept in 1/256 of a wire unit. Generic over channel
/// ids 0..<KWPChannel.count; a channel the device does not have follows its setpoint at
/// once.
final class Actuators {
    static let periodMicroseconds: UInt64 = 1000
    private static let fraction: Int64 = 256

    private let count: Int
    /// Most a channel may move in one period, in 1/256 units; 0 = no limit.
    private let maxStep: UnsafeMutablePointer<Int64>
    /// Whether the device has the channel (otherwise it follows at once).
    private let modelled: UnsafeMutablePointer<Bool>
    /// Where each channel is, in 1/256 units.
    private let position: UnsafeMutablePointer<Int64>
    private let lagMicroseconds: Int64
    private var nextStep: UInt64 = 0

    /// Where the motors are now.
    private(set) var output: KWPChannelValues

    init(configuration: KWPDeviceConfiguration, lagMicroseconds: UInt32, start: KWPChannelValues) {
        count = Int(KWPChannel.count)
        maxStep = .allocate(capacity: count)
        modelled = .allocate(capacity: count)
        position = .allocate(capacity: count)
        self.lagMicroseconds = Int64(lagMicroseconds)
        output = start
        for index in 0..<count {
            let id = UInt8(index)
            var step: Int64 = 0
            var has = false
            for info in configuration.channels where info.channel.rawValue == id {
                has = true
                // thousandths of full scale a second → 1/256 units a period
                step = Int64(info.maxSlew) * 0xFFFF * Self.fraction * Int64(Self.periodMicroseconds)
                    / (1000 * 1_000_000)
                if info.maxSlew > 0 && step == 0 { step = 1 }
            }
            maxStep[index] = step
            // The tapping mechanism takes its rate and depth at once; the motors lag.
            modelled[index] = has && id != KWPChannel.percussionRate.rawValue
                && id != KWPChannel.percussionDepth.rawValue
            position[index] = Int64(start[channelID: id]) * Self.fraction
        }
    }

    /// Runs the motors up to `now` toward `target`; returns where they are.
    @discardableResult
    func run(until now: UInt64, toward target: KWPChannelValues) -> KWPChannelValues {
        if nextStep == 0 { nextStep = now }
        // After a long stall (a debugger, say) catch up at most a second of steps.
        if now > nextStep && now - nextStep > 1_000_000 { nextStep = now - 1_000_000 }
        while nextStep <= now {
            step(toward: target)
            nextStep &+= Self.periodMicroseconds
        }
        return output
    }

    private func step(toward target: KWPChannelValues) {
        let period = Int64(Self.periodMicroseconds)
        for index in 0..<count {
            let id = UInt8(index)
            let goal = Int64(target[channelID: id]) * Self.fraction
            var value = position[index]
            if !modelled[index] {
                value = goal
            } else {
                // Backward Euler of dx/dt = (goal − x) / lag: stable for any period.
                let difference = goal - value
                var move = difference * period / (lagMicroseconds + period)
                if move == 0 { move = difference }  // within a fraction of a unit: arrive
                let limit = maxStep[index]
                if limit > 0 {
                    if move > limit { move = limit }
                    if move < -limit { move = -limit }
                }
                value += move
            }
            position[index] = value
            let rounded = (value + Self.fraction / 2) / Self.fraction
            output[channelID: id] = UInt16(clamping: rounded)
        }
    }
}
