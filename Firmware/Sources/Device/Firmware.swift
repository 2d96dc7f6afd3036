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
        if statistics.stops > seen.stops { trace.event(at: now, "stop") }
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
        if state != lastState {
            switch state {
            case .idle: trace.event(at: now, "state idle")
            case .ready: trace.event(at: now, "state ready")
            case .playing: trace.event(at: now, "state playing")
            case .halted: trace.event(at: now, "state halted")
            }
            lastState = state
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

/// Whether UART0 has received bytes the main loop has not taken (asked before sleeping).
private func linkHasInput() -> UInt32 {
    guard let link = boardUARTs.0 else { return 0 }
    return link.received.isEmpty ? 0 : 1
}
