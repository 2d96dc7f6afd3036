/// The device clock: microseconds since reset as a 64-bit count (the protocol's ticks at
/// `clock_hz` = 1 MHz), from the Cortex-M SysTick timer.
///
/// SysTick counts the core clock (25 MHz on MPS2) down through its whole 24-bit range,
/// wrapping every 671 ms, and nothing counts its wraps: `now` reads the counter and adds
/// how far it went since the previous reading to a 64-bit total of core clock ticks.
/// That is exact as long as something reads it at least once a wrap; the main loop does
/// so every millisecond and the SysTick interrupt once a wrap, so even a main loop stuck
/// for a while loses no time. (Counting millisecond interrupts instead loses one
/// whenever two come before the handler runs: under QEMU on a busy host that made the
/// clock 1.3 % slow.)
enum SysTickClock {
    static let coreClockHz: UInt64 = 25_000_000
    static let ticksPerMicrosecond: UInt64 = coreClockHz / 1_000_000
    private static let counterMask: UInt32 = 0x00FF_FFFF

    private static let controlAndStatus = Register(0xE000_E010)
    private static let reloadValue = Register(0xE000_E014)
    private static let currentValue = Register(0xE000_E018)

    /// Core clock ticks up to `lastCounter`.
    nonisolated(unsafe) private static var total: UInt64 = 0
    nonisolated(unsafe) private static var lastCounter: UInt32 = 0

    static func start() {
        reloadValue.store(counterMask)
        currentValue.store(0)
        lastCounter = counterMask
        // ENABLE | TICKINT | CLKSOURCE (the core clock)
        controlAndStatus.store(0b111)
    }

    /// Microseconds since `start`.
    static func now() -> UInt64 {
        Interrupts.masked {
            advance()
            return total / ticksPerMicrosecond
        }
    }

    /// Adds the ticks since the last reading (the counter counts down and wraps).
    private static func advance() {
        let counter = currentValue.load() & counterMask
        total &+= UInt64((lastCounter &- counter) & counterMask)
        lastCounter = counter
    }

    /// The SysTick interrupt, once a wrap.
    static func wrapped() { Interrupts.masked { advance() } }
}

@_cdecl("firmware_systick")
func firmwareSysTick() { SysTickClock.wrapped() }
