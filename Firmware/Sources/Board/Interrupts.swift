// Interrupt masking and sleeping, from Firmware/Board/startup.c (Swift has no inline
// assembly).

@_extern(c, "firmware_interrupts_save_disable")
private func interruptsSaveDisable() -> UInt32

@_extern(c, "firmware_interrupts_restore")
private func interruptsRestore(_ primask: UInt32)

@_extern(c, "firmware_sleep_unless")
private func sleepUnless(_ hasWork: @convention(c) () -> UInt32)

@_extern(c, "firmware_heap_used") func heapUsed() -> UInt32
@_extern(c, "firmware_heap_size") func heapSize() -> UInt32
@_extern(c, "firmware_stack_high_water") func stackHighWater() -> UInt32
@_extern(c, "firmware_receive_irq_max_ticks") func receiveInterruptMaxTicks() -> UInt32
@_extern(c, "firmware_systick_value") func sysTickValue() -> UInt32

enum Interrupts {
    /// Runs `body` with interrupts masked (nests: restores what was there before).
    @inline(__always)
    static func masked<T>(_ body: () -> T) -> T {
        let saved = interruptsSaveDisable()
        defer { interruptsRestore(saved) }
        return body()
    }

    /// Sleeps until an interrupt is pending, unless `hasWork` (asked with interrupts
    /// masked, so no wake-up is lost between the question and the sleep) says not to.
    static func sleep(unless hasWork: @convention(c) () -> UInt32) {
        sleepUnless(hasWork)
    }
}
