/// The device clock: microseconds since reset as a 64-bit count (the protocol's ticks at
/// `clock_hz` = 1 MHz), from the Cortex-M SysTick timer.
///
/// SysTick counts the core clock (25 MHz on MPS2) down from `reload`; each wrap is one
/// millisecond, counted by the interrupt. `now` combines the two: milliseconds × 1000
/// plus how far the counter has gone in this millisecond. The interrupt also wakes the
/// main loop once a millisecond.
enum SysTickClock {
    static let coreClockHz: UInt32 = 25_000_000
    static let ticksPerMicrosecond: UInt32 = coreClockHz / 1_000_000
    static let reload: UInt32 = coreClockHz / 1000 - 1

    private static let controlAndStatus = Register(0xE000_E010)
    private static let reloadValue = Register(0xE000_E014)
    private static let currentValue = Register(0xE000_E018)
    private static let interruptControl = Register(0xE000_ED04)  // ICSR
    private static let sysTickPending: UInt32 = 1 << 26           // ICSR.PENDSTSET

    /// Milliseconds counted by the interrupt (written only there).
    nonisolated(unsafe) private static var milliseconds: UInt64 = 0
    /// The latest value `now` returned, so that it never goes backwards (docs/protocol.md
    /// 2.4: the device clock is free-running and monotonic).
    nonisolated(unsafe) private static var latest: UInt64 = 0

    static func start() {
        reloadValue.store(reload)
        currentValue.store(0)
        // ENABLE | TICKINT | CLKSOURCE (the core clock)
        controlAndStatus.store(0b111)
    }

    /// Microseconds since `start`.
    static func now() -> UInt64 {
        Interrupts.masked {
            var whole = milliseconds
            var counter = currentValue.load()
            // Wrapped, but the interrupt (masked here) has not counted it yet: the
            // counter has restarted, so this is the next millisecond.
            if interruptControl.load() & sysTickPending != 0 {
                whole &+= 1
                counter = currentValue.load()
            }
            let elapsed = (reload - min(counter, reload)) / ticksPerMicrosecond
            let value = whole &* 1000 &+ UInt64(elapsed)
            if value > latest { latest = value }
            return latest
        }
    }

    /// The SysTick interrupt.
    static func tick() { milliseconds &+= 1 }
}

@_cdecl("firmware_systick")
func firmwareSysTick() { SysTickClock.tick() }
