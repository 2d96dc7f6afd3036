import CSerialPort
import KneadSystem

/// A real serial port (UART, USB CDC-ACM, USB serial bridge) through libserialport.
///
/// Opening and setting up go through libserialport (8N1, no flow control, the
/// profile's baud rate and modem lines in one `sp_set_config`); reads and writes use
/// its non-blocking calls, and `SerialPort` waits on the port's descriptor with poll.
final class LibSerialPortChannel: SerialChannel {
    private let port: OpaquePointer
    let fileDescriptor: Int32
    private var isOpen = true

    init(path: String, settings: SerialSettings) throws(SerialOpenFailure) {
        (port, fileDescriptor) = try Self.open(path: path)
        do {
            try Self.configure(port, settings: settings)
        } catch {
            close()
            throw error
        }
    }

    private static func open(path: String) throws(SerialOpenFailure) -> (OpaquePointer, Int32) {
        var found: OpaquePointer?
        let lookup = sp_get_port_by_name(path, &found)
        guard lookup == SP_OK, let port = found else {
            throw SerialOpenFailure(step: .lookup, code: lookup == SP_ERR_FAIL ? sp_last_error_code() : Errno.ENODEV,
                                    message: lastMessage(lookup))
        }
        let opened = sp_open(port, SP_MODE_READ_WRITE)
        guard opened == SP_OK else {
            let failure = SerialOpenFailure(step: .open, code: opened == SP_ERR_FAIL ? sp_last_error_code() : Errno.EINVAL,
                                            message: lastMessage(opened))
            sp_free_port(port)
            throw failure
        }
        var descriptor: Int32 = -1
        _ = sp_get_port_handle(port, &descriptor)
        // libserialport opens blocking; every call knead makes is non-blocking.
        Descriptor.setNonBlocking(descriptor)
        Descriptor.setCloseOnExec(descriptor)
        return (port, descriptor)
    }

    /// 8N1, no flow control, the baud rate and modem lines, in one `sp_set_config` so
    /// the lines change at most once. Leaving a setting unset (-1) would keep what the
    /// port had; every one is set here.
    private static func configure(_ port: OpaquePointer, settings: SerialSettings) throws(SerialOpenFailure) {
        var created: OpaquePointer?
        guard sp_new_config(&created) == SP_OK, let configuration = created else {
            throw SerialOpenFailure(step: .configure, code: Errno.ENOMEM)
        }
        defer { sp_free_config(configuration) }
        sp_set_config_baudrate(configuration, Int32(settings.baud))
        sp_set_config_bits(configuration, 8)
        sp_set_config_parity(configuration, SP_PARITY_NONE)
        sp_set_config_stopbits(configuration, 1)
        sp_set_config_xon_xoff(configuration, SP_XONXOFF_DISABLED)
        sp_set_config_cts(configuration, SP_CTS_IGNORE)
        sp_set_config_dsr(configuration, SP_DSR_IGNORE)
        sp_set_config_rts(configuration, settings.rts ? SP_RTS_ON : SP_RTS_OFF)
        sp_set_config_dtr(configuration, settings.dtr ? SP_DTR_ON : SP_DTR_OFF)
        let configured = sp_set_config(port, configuration)
        guard configured == SP_OK else {
            throw SerialOpenFailure(step: .configure, code: configured == SP_ERR_FAIL ? sp_last_error_code() : Errno.EINVAL,
                                    message: lastMessage(configured))
        }
    }

    func writeSome(_ bytes: UnsafeRawBufferPointer) -> IOResult {
        let result = sp_nonblocking_write(port, bytes.baseAddress, bytes.count)
        if result.rawValue >= 0 { return .count(Int(result.rawValue)) }
        guard result == SP_ERR_FAIL else { return .failure(Errno.EINVAL) }
        let code = sp_last_error_code()
        return code == Errno.EAGAIN || code == Errno.EINTR ? .count(0) : .failure(code)
    }

    func readSome(_ buffer: UnsafeMutableRawBufferPointer) -> IOResult {
        let result = sp_nonblocking_read(port, buffer.baseAddress, buffer.count)
        if result.rawValue >= 0 { return .count(Int(result.rawValue)) }
        guard result == SP_ERR_FAIL else { return .failure(Errno.EINVAL) }
        let code = sp_last_error_code()
        return code == Errno.EAGAIN || code == Errno.EINTR ? .count(0) : .failure(code)
    }

    func discardOutput() {
        sp_flush(port, SP_BUF_OUTPUT)
    }

    func outputWaiting() -> Int? {
        let waiting = sp_output_waiting(port)
        return waiting.rawValue >= 0 ? Int(waiting.rawValue) : nil
    }

    func close() {
        guard isOpen else { return }
        isOpen = false
        sp_close(port)
        sp_free_port(port)
    }

    deinit { close() }

    /// libserialport's message for the last SP_ERR_FAIL (the OS's words), or nil.
    static func lastMessage(_ result: sp_return) -> String? {
        guard result == SP_ERR_FAIL, let message = sp_last_error_message() else { return nil }
        defer { sp_free_error_message(message) }
        return String(cString: message)
    }
}
