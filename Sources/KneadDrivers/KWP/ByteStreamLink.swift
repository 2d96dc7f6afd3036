import KneadEngine

/// A byte stream to a device, as the knead wire protocol needs it: a serial port with
/// its reader thread, or a USB bulk OUT/IN pair with its event thread. What arrives,
/// the timer ticks and a failure reach the driver through `PortReaderDelegate`.
protocol ByteStreamLink: AnyObject, Sendable {
    /// Starts delivering what arrives. False if no thread could be made.
    func startReading() -> Bool
    /// Writes what `produce` makes, in the order producers take their turn; `produce`
    /// runs inside the turn so output leaves in the order it was made.
    func write(_ produce: () -> [UInt8]) throws(BackendError)
    /// The priority path: what is queued is dropped and `bytes` go first, never
    /// waiting behind a write in progress.
    func writeStop(_ bytes: [UInt8]) throws(BackendError)
    /// Lets the last bytes out (briefly), stops reading and lets go of the device.
    func close()
}

/// A serial port and the thread that reads it.
final class SerialStreamLink: ByteStreamLink, @unchecked Sendable {
    private let port: SerialPort
    private let reader: PortReader

    init(path: String, settings: SerialSettings, choice: SerialBackendChoice,
         delegate: any PortReaderDelegate) throws(BackendError) {
        let port = try SerialPort.open(path, settings: settings, choice: choice)
        guard let reader = PortReader(port: port, delegate: delegate) else {
            port.close()
            throw .refused("\(path): no file descriptors left for the reader")
        }
        self.port = port
        self.reader = reader
    }

    func startReading() -> Bool { reader.start() }

    func write(_ produce: () -> [UInt8]) throws(BackendError) {
        _ = try port.write(produce)
    }

    func writeStop(_ bytes: [UInt8]) throws(BackendError) {
        try port.writeStop(bytes, discipline: .discardQueued)
    }

    func close() {
        port.drainOutput(timeout: 0.05)
        reader.stop()
        port.close()
    }
}

/// The knead wire protocol over USB: the interface's bulk OUT carries the stream the
/// serial line would, its bulk IN brings the device's bytes back (docs/protocol.md,
/// "Over USB").
final class USBStreamLink: ByteStreamLink, @unchecked Sendable {
    let link: USBLink

    init(_ selector: USBSelector, interface: Int, delegate: any PortReaderDelegate) throws(BackendError) {
        link = try USBLink.open(selector, interface: interface,
                                purpose: "a knead wire protocol interface (vendor class ff, one bulk OUT and one bulk IN)",
                                plan: Self.plan, delegate: delegate)
    }

    static func plan(_ interface: USBInterfaceDescription) -> Result<USBLinkPlan, USBInterfaceMismatch> {
        guard interface.interfaceClass == 0xff else {
            return .failure(USBInterfaceMismatch(missing: "its class is not vendor-specific (ff)"))
        }
        guard let out = interface.endpoint(.bulk, out: true) else {
            return .failure(USBInterfaceMismatch(missing: "it has no bulk OUT endpoint"))
        }
        guard let input = interface.endpoint(.bulk, out: false) else {
            return .failure(USBInterfaceMismatch(missing: "it has no bulk IN endpoint"))
        }
        return .success(USBLinkPlan(out: .bulk(out.address), filling: .stream, capacity: 4096, input: input))
    }

    func startReading() -> Bool { link.startReading() }
    func write(_ produce: () -> [UInt8]) throws(BackendError) { try link.write(produce) }
    func writeStop(_ bytes: [UInt8]) throws(BackendError) { try link.writeStop(bytes) }

    func close() {
        // The last bytes (STOP's confirmation wait is the driver's) leave before the cancel.
        link.wait(timeout: 0.05) { link.out.isIdle }
        link.close()
    }
}
