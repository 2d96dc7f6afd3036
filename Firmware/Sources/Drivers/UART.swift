/// A CMSDK APB UART (ARM DDI0479C; QEMU's hw/char/cmsdk-apb-uart.c) driven by
/// interrupts: the receive handler moves bytes from the data register into `received`,
/// the transmit handler moves bytes from `toSend` into it. The main loop only touches
/// the rings, so nothing it does waits for the line.
///
/// The UART holds one byte each way. A transmit interrupt comes when the byte being
/// sent leaves (TXFULL going from 1 to 0); when the ring was empty there is none to
/// come, so `send` kicks the handler by making its interrupt pending.
final class UART {
    struct Configuration {
        var base: UInt
        var receiveIRQ: UInt32
        var transmitIRQ: UInt32
        var baud: UInt32
        var receiveCapacity: Int
        var transmitCapacity: Int
        var receives: Bool
    }

    /// The board's peripheral clock, which the baud divisor divides.
    static let peripheralClockHz: UInt32 = 25_000_000

    private enum State {
        static let txFull: UInt32 = 1 << 0
        static let rxFull: UInt32 = 1 << 1
    }

    private enum Control {
        static let txEnable: UInt32 = 1 << 0
        static let rxEnable: UInt32 = 1 << 1
        static let txInterrupt: UInt32 = 1 << 2
        static let rxInterrupt: UInt32 = 1 << 3
    }

    private enum InterruptStatus {
        static let tx: UInt32 = 1 << 0
        static let rx: UInt32 = 1 << 1
    }

    let received: ByteRing
    let toSend: ByteRing
    /// Bytes lost because `received` was full when they came.
    private(set) var receiveOverruns: UInt32 = 0

    private let data: Register
    private let state: Register
    private let control: Register
    private let interruptStatus: Register  // INTSTATUS on read, INTCLEAR on write
    private let baudDivisor: Register
    private let transmitIRQ: UInt32

    init(_ configuration: Configuration) {
        received = ByteRing(capacity: configuration.receiveCapacity)
        toSend = ByteRing(capacity: configuration.transmitCapacity)
        data = Register(configuration.base + 0x0)
        state = Register(configuration.base + 0x4)
        control = Register(configuration.base + 0x8)
        interruptStatus = Register(configuration.base + 0xC)
        baudDivisor = Register(configuration.base + 0x10)
        transmitIRQ = configuration.transmitIRQ

        baudDivisor.store(Self.peripheralClockHz / configuration.baud)
        var bits = Control.txEnable | Control.txInterrupt
        if configuration.receives { bits |= Control.rxEnable | Control.rxInterrupt }
        control.store(bits)
        if configuration.receives { NVIC.enable(configuration.receiveIRQ) }
        NVIC.enable(configuration.transmitIRQ)
    }

    // MARK: Main loop side

    /// Queues `byte` for sending; false when the transmit ring is full (nothing queued).
    /// Call `flush()` after queueing to start the line.
    @discardableResult
    func enqueue(_ byte: UInt8) -> Bool { toSend.push(byte) }

    /// Starts sending what is queued (the transmit handler takes it from here).
    func flush() {
        if !toSend.isEmpty { NVIC.pend(transmitIRQ) }
    }

    // MARK: Interrupt side

    /// Receive interrupt: every byte the UART holds goes into `received`.
    func receiveInterrupt() {
        interruptStatus.store(InterruptStatus.rx)
        while state.load() & State.rxFull != 0 {
            let byte = UInt8(truncatingIfNeeded: data.load())
            if !received.push(byte) { receiveOverruns &+= 1 }
        }
    }

    /// Transmit interrupt (or the kick from `flush`): fills the UART from `toSend`.
    func transmitInterrupt() {
        interruptStatus.store(InterruptStatus.tx)
        while state.load() & State.txFull == 0, let byte = toSend.pop() {
            data.store(UInt32(byte))
        }
    }
}

/// UART0 carries the protocol, UART1 the trace; the interrupt handlers find them here.
nonisolated(unsafe) var boardUARTs: (UART?, UART?) = (nil, nil)

@_cdecl("firmware_uart_receive")
func firmwareUARTReceive(_ index: UInt32) {
    (index == 0 ? boardUARTs.0 : boardUARTs.1)?.receiveInterrupt()
}

@_cdecl("firmware_uart_transmit")
func firmwareUARTTransmit(_ index: UInt32) {
    (index == 0 ? boardUARTs.0 : boardUARTs.1)?.transmitInterrupt()
}
