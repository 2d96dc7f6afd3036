/// The firmware's main loop: the protocol side (`KWPDevice`, the code in
/// Sources/KneadWire/Shared and DeviceSide) between UART0 and the modelled motors.
///
/// Each pass, on the SysTick clock: bytes received go into the device (each stamped
/// with the tick it is handled at, so CLOCK replies are exact); the device advances to
/// now (due setpoints, the watchdog and its ramp, TELEMETRY); the motors run toward
/// what it applies and report where they are for the next TELEMETRY; what the device
/// has to send goes into UART0's transmit ring; changes go to the trace on UART1. Then
/// it sleeps until an interrupt: a received byte, a transmitted one, or the wake
/// timer's next millisecond.
final class Firmware {
    private let device: KWPDevice
    private let link: UART
    private let trace: Trace
    private let actuators: Actuators

    private var applied: KWPChannelValues
    private var lastState = KWPDeviceState.idle
    private var seen = KWPDeviceStatistics()
    private var watchdogRamping = false
    private var seenOverruns: UInt32 = 0
    /// The longest pass of the loop so far, in SysTick ticks (25 MHz core clock).
    private var passMaxTicks: UInt32 = 0

    init(device: KWPDevice, link: UART, trace: Trace, actuators: Actuators) {
        self.device = device
        self.link = link
        self.trace = trace
        self.actuators = actuators
        applied = device.target
    }

    func run() -> Never {
        trace.setpoint(at: SysTickClock.now(), applied)
        while true {
            pass()
            Interrupts.sleep(unless: linkHasInput)
        }
    }

    private func pass() {
        let start = sysTickValue()
        work()
        let ticks = (start &- sysTickValue()) & 0x00FF_FFFF
        if ticks > passMaxTicks { passMaxTicks = ticks }
    }

    private func work() {
        while let byte = link.received.pop() {
            device.receive(byte, now: SysTickClock.now())
        }
        let now = SysTickClock.now()
        let target = device.advance(to: now)
        device.measured = actuators.run(until: now, toward: target)
        report(target, at: now)
        while device.outputCount > 0 && link.toSend.free > 0, let byte = device.popOutputByte() {
            link.enqueue(byte)
        }
        link.flush()
    }

    /// Trace lines for what changed since the last pass.
    private func report(_ target: KWPChannelValues, at now: UInt64) {
        let statistics = device.statistics
        let stopped = statistics.stops > seen.stops
        if stopped { trace.event(at: now, "stop") }
        if statistics.watchdogTrips > seen.watchdogTrips {
            trace.event(at: now, "watchdog", value: UInt64(device.configuration.parameters.watchdogMilliseconds))
            watchdogRamping = true
        }
        if statistics.droppedFrames > seen.droppedFrames {
            trace.event(at: now, "dropped-frames", value: UInt64(statistics.droppedFrames))
        }
        if statistics.late > seen.late { trace.event(at: now, "late-setpoints", value: UInt64(statistics.late)) }
        if statistics.outputDropped > seen.outputDropped {
            trace.event(at: now, "output-dropped", value: UInt64(statistics.outputDropped))
        }
        seen = statistics
        let overruns = link.receiveOverruns
        if overruns != seenOverruns {
            trace.event(at: now, "receive-overruns", value: UInt64(overruns))
            seenOverruns = overruns
        }
        let state = device.state
        if stopped && state == lastState { figures(at: now) }
        if state != lastState {
            switch state {
            case .idle: trace.event(at: now, "state idle")
            case .ready: trace.event(at: now, "state ready")
            case .playing: trace.event(at: now, "state playing")
            case .halted: trace.event(at: now, "state halted")
            }
            lastState = state
            figures(at: now)
        }
        if target != applied {
            applied = target
            trace.setpoint(at: now, target)
            if watchdogRamping && target == target.atRest {
                watchdogRamping = false
                trace.event(at: now, "at-rest")
            }
        }
    }
}

extension Firmware {
    /// At every change of state: the setpoints accepted and executed since reset (a
    /// host's count of setpoints sent can be checked against them), and the figures of
    /// docs/firmware.md: the stack's high-water mark in bytes, and the longest UART0
    /// receive interrupt and loop pass so far in SysTick ticks (25 per µs).
    fileprivate func figures(at now: UInt64) {
        let statistics = device.statistics
        trace.event(at: now, "accepted", value: UInt64(statistics.accepted))
        trace.event(at: now, "executed", value: UInt64(statistics.executed))
        trace.event(at: now, "packets", value: UInt64(statistics.packets))
        trace.event(at: now, "duplicates", value: UInt64(statistics.duplicates))
        trace.event(at: now, "gaps", value: UInt64(statistics.gaps))
        trace.event(at: now, "refused-no-room", value: UInt64(statistics.refusedNoRoom))
        trace.event(at: now, "stack-high-water", value: UInt64(stackHighWater()))
        trace.event(at: now, "receive-irq-max-ticks", value: UInt64(receiveInterruptMaxTicks()))
        trace.event(at: now, "pass-max-ticks", value: UInt64(passMaxTicks))
    }
}

/// Whether UART0 has received bytes the main loop has not taken (asked before sleeping).
private func linkHasInput() -> UInt32 {
    guard let link = boardUARTs.0 else { return 0 }
    return link.received.isEmpty ? 0 : 1
}
