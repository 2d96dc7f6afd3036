// Start-up for the MPS2 AN386 board (Cortex-M4) under QEMU: the vector table, the
// reset handler, and the interrupt handlers, which only forward to Swift.
//
// Reset copies .data from its load address to RAM, zeroes .bss, then calls the Swift
// entry point `firmware_main` (Firmware/Sources/Main.swift), which never returns.
// Interrupt numbers are QEMU's for this board (hw/arm/mps2.c): each CMSDK UART has a
// receive interrupt and, one above it, a transmit interrupt; UART0 uses 0 and 1, UART1
// 2 and 3; TIMER0 is 8. The memory map is in mps2-an386.ld.

#include <stdint.h>

extern uint32_t __data_load, __data_start, __data_end, __bss_start, __bss_end;
extern uint32_t __stack_top, __stack_bottom;

// Swift (@_cdecl) entry points.
extern void firmware_main(void) __attribute__((noreturn));
extern void firmware_systick(void);
extern void firmware_wake_timer(void);
extern void firmware_uart_receive(uint32_t uart);
extern void firmware_uart_transmit(uint32_t uart);

void firmware_fault_report(uint32_t *frame, uint32_t exception);

// The stack is painted with this at reset, up to just below the reset handler's own
// frame; the deepest word no longer holding it is the stack's high-water mark.
#define STACK_PAINT 0x5AC4D17Eu

void Reset_Handler(void) {
    uint32_t *source = &__data_load;
    for (uint32_t *p = &__data_start; p < &__data_end;) *p++ = *source++;
    for (uint32_t *p = &__bss_start; p < &__bss_end;) *p++ = 0;
    uint32_t *sp;
    __asm volatile("mov %0, sp" : "=r"(sp));
    for (volatile uint32_t *p = &__stack_bottom; p < sp - 16;) *p++ = STACK_PAINT;
    firmware_main();
}

// MARK: Figures (docs/firmware.md): stack high-water mark, time in the UART0 receive
// interrupt, counted in SysTick ticks (the 25 MHz core clock, counting down).

#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)

// Bytes of stack ever used (from the top down to the deepest word touched).
uint32_t firmware_stack_high_water(void) {
    const volatile uint32_t *p = &__stack_bottom;
    while (p < &__stack_top && *p == STACK_PAINT) p++;
    return (uint32_t)((uintptr_t)&__stack_top - (uintptr_t)p);
}

uint32_t firmware_stack_size(void) { return (uint32_t)((uintptr_t)&__stack_top - (uintptr_t)&__stack_bottom); }

static volatile uint32_t receive_irq_max_ticks;

uint32_t firmware_receive_irq_max_ticks(void) { return receive_irq_max_ticks; }

// SysTick's current value, for timing in core clock ticks (24 bits, counting down).
uint32_t firmware_systick_value(void) { return SYST_CVR & 0xFFFFFFu; }

void SysTick_Handler(void) { firmware_systick(); }
void TIMER0_Handler(void) { firmware_wake_timer(); }
void UART0_RX_Handler(void) {
    uint32_t start = SYST_CVR;
    firmware_uart_receive(0);
    uint32_t ticks = (start - SYST_CVR) & 0xFFFFFFu;
    if (ticks > receive_irq_max_ticks) receive_irq_max_ticks = ticks;
}
void UART0_TX_Handler(void) { firmware_uart_transmit(0); }
void UART1_RX_Handler(void) { firmware_uart_receive(1); }
void UART1_TX_Handler(void) { firmware_uart_transmit(1); }

// A fault (a Swift trap is an undefined instruction: a usage fault escalated to hard
// fault) reports the stacked pc on UART1 and stops the board; the host then loses the
// device and its watchdog is moot, as on real hardware without a hardware watchdog.
__attribute__((naked)) void Fault_Handler(void) {
    __asm volatile(
        "tst lr, #4\n"
        "ite eq\n"
        "mrseq r0, msp\n"
        "mrsne r0, psp\n"
        "mrs r1, ipsr\n"
        "b firmware_fault_report\n");
}

void Default_Handler(void) {
    for (;;) {}
}

typedef void (*Vector)(void);

// 16 system exceptions, then the board's 32 interrupts.
__attribute__((section(".vectors"), used)) const Vector vector_table[16 + 32] = {
    (Vector)&__stack_top,
    Reset_Handler,
    Fault_Handler,     // NMI
    Fault_Handler,     // HardFault
    Fault_Handler,     // MemManage
    Fault_Handler,     // BusFault
    Fault_Handler,     // UsageFault
    0, 0, 0, 0,
    Default_Handler,   // SVCall
    Default_Handler,   // DebugMonitor
    0,
    Default_Handler,   // PendSV
    SysTick_Handler,
    [16 + 0] = UART0_RX_Handler,
    [16 + 1] = UART0_TX_Handler,
    [16 + 2] = UART1_RX_Handler,
    [16 + 3] = UART1_TX_Handler,
    [16 + 4 ... 16 + 7] = Default_Handler,
    [16 + 8] = TIMER0_Handler,
    [16 + 9 ... 16 + 31] = Default_Handler,
};

// MARK: Interrupt masking and sleep, for Swift (no inline assembly there).

uint32_t firmware_interrupts_save_disable(void) {
    uint32_t primask;
    __asm volatile("mrs %0, primask\n cpsid i" : "=r"(primask) :: "memory");
    return primask;
}

void firmware_interrupts_restore(uint32_t primask) {
    __asm volatile("msr primask, %0" :: "r"(primask) : "memory");
}

// Sleeps until an interrupt is pending unless `has_work` says there is something to
// do; decided with interrupts masked, so an interrupt that arrives between the check
// and the WFI still wakes it (WFI wakes on a pending interrupt even when masked).
void firmware_sleep_unless(uint32_t (*has_work)(void)) {
    __asm volatile("cpsid i" ::: "memory");
    if (!has_work()) __asm volatile("dsb\n wfi" ::: "memory");
    __asm volatile("cpsie i\n isb" ::: "memory");
}

// MARK: Fault report on UART1, polled (interrupts may be what failed).

#define UART1_DATA (*(volatile uint32_t *)0x40005000u)
#define UART1_STATE (*(volatile uint32_t *)0x40005004u)

static void fault_put(char c) {
    while (UART1_STATE & 1u) {}
    UART1_DATA = (uint8_t)c;
}

static void fault_hex(uint32_t value) {
    for (int shift = 28; shift >= 0; shift -= 4) fault_put("0123456789abcdef"[(value >> shift) & 0xf]);
}

void firmware_fault_report(uint32_t *frame, uint32_t exception) {
    __asm volatile("cpsid i" ::: "memory");
    const char *text = "\n# fault exception ";
    while (*text) fault_put(*text++);
    fault_hex(exception & 0x1ff);
    text = " pc ";
    while (*text) fault_put(*text++);
    fault_hex(frame[6]);
    text = " lr ";
    while (*text) fault_put(*text++);
    fault_hex(frame[5]);
    fault_put('\n');
    for (;;) { __asm volatile("wfi"); }
}
