/// Wakes the main loop once a millisecond, the control period: TIMER0, a CMSDK APB timer
/// (interrupt 8 on this board) counting the 25 MHz peripheral clock. Only a wake-up: the
/// time is always read from `SysTickClock`, so a late or merged interrupt costs nothing.
enum WakeTimer {
    static let irq: UInt32 = 8
    private static let control = Register(0x4000_0000)
    private static let value = Register(0x4000_0004)
    private static let reload = Register(0x4000_0008)
    private static let interruptClear = Register(0x4000_000C)

    static func start(periodMicroseconds: UInt32) {
        let ticks = UInt32(SysTickClock.coreClockHz / 1_000_000) * periodMicroseconds
        reload.store(ticks)
        value.store(ticks)
        control.store(1 | 1 << 3)  // enable, interrupt
        NVIC.enable(irq)
    }

    static func interrupt() { interruptClear.store(1) }
}

@_cdecl("firmware_wake_timer")
func firmwareWakeTimer() { WakeTimer.interrupt() }
