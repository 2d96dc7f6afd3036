/// knead's reference firmware for the MPS2 AN386 board (Cortex-M4) under QEMU: the device
/// side of the knead wire protocol on UART0, a text trace on UART1 (docs/firmware.md).
/// Firmware/Board/startup.c calls this after reset.
@_cdecl("firmware_main")
func firmwareMain() -> Never {
    SysTickClock.start()
    WakeTimer.start(periodMicroseconds: UInt32(Actuators.periodMicroseconds))
    let link = UART(.init(base: 0x4000_4000, receiveIRQ: 0, transmitIRQ: 1, baud: 115_200,
                          receiveCapacity: 512, transmitCapacity: 1024, receives: true))
    let traceUART = UART(.init(base: 0x4000_5000, receiveIRQ: 2, transmitIRQ: 3, baud: 115_200,
                               receiveCapacity: 16, transmitCapacity: 4096, receives: false))
    boardUARTs = (link, traceUART)

    let trace = Trace(uart: traceUART)
    trace.comment("knead-firmware (mps2-an386) 0.1.0: knead wire protocol on UART0, this trace on UART1")
    let configuration = ChairConfiguration.make()
    let device = KWPDevice(configuration: configuration)
    let actuators = Actuators(configuration: configuration, lagMicroseconds: ChairConfiguration.motorLagMicroseconds,
                              start: device.target)
    trace.comment("heap used at start-up, bytes:", UInt64(heapUsed()))
    trace.comment("t_us then one value per channel id (0 intensity, 1 x, 2 y, 3 pressure, 4 heat, ...)")
    Firmware(device: device, link: link, trace: trace, actuators: actuators).run()
}
