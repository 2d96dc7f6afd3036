import _Volatile

/// A 32-bit memory-mapped register at a fixed address: every load and store goes to
/// the hardware (a volatile access), none is merged, cached or reordered with others.
struct Register {
    private let register: VolatileMappedRegister<UInt32>

    init(_ address: UInt) {
        register = VolatileMappedRegister<UInt32>(unsafeBitPattern: address)
    }

    @inline(__always) func load() -> UInt32 { register.load() }
    @inline(__always) func store(_ value: UInt32) { register.store(value) }
}

/// The Cortex-M4's interrupt controller (NVIC) for the board's interrupts 0…31.
enum NVIC {
    private static let setEnable = Register(0xE000_E100)
    private static let setPending = Register(0xE000_E200)

    static func enable(_ irq: UInt32) { setEnable.store(1 << irq) }
    /// Makes the interrupt's handler run as soon as interrupts allow (a software kick).
    static func pend(_ irq: UInt32) { setPending.store(1 << irq) }
}
