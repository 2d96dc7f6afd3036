import Glibc  // termios, flock and the serial ioctls: this file is the OS side of a port
import KneadSystem

/// The result of one non-blocking read or write: bytes moved (0: would block, or end
/// of file for a read the poll said was ready), or an errno.
enum IOResult {
    case count(Int)
    case failure(Int32)

    /// A descriptor's read or write: nothing for now (EAGAIN, EINTR) is 0.
    init(_ transfer: Descriptor.Transfer) {
        switch transfer {
        case let .moved(count): self = .count(count)
        case .again: self = .count(0)
        case let .failed(code): self = .failure(code)
        }
    }
}

/// The OS side of an open port: libserialport for real ports, termios for
/// pseudo-terminals. Non-blocking calls only; `SerialPort` adds deadlines and polling.
protocol SerialChannel: AnyObject {
    var fileDescriptor: Int32 { get }
    func writeSome(_ bytes: UnsafeRawBufferPointer) -> IOResult
    func readSome(_ buffer: UnsafeMutableRawBufferPointer) -> IOResult
    /// Throws away output the OS has queued and not yet sent.
    func discardOutput()
    /// Bytes queued for sending, if the OS says.
    func outputWaiting() -> Int?
    func close()
}

extension SerialChannel {
    /// Exclusive use: another knead (or any program that locks, such as pyserial with
    /// exclusive=True) holding the port makes it busy. TIOCEXCL also makes later plain
    /// opens fail with EBUSY (except for root, whom the kernel lets through).
    /// Returns the errno of a failed lock, or nil.
    func lockExclusively() -> Int32? {
        if flock(fileDescriptor, LOCK_EX | LOCK_NB) != 0 {
            return errno
        }
        _ = ioctl(fileDescriptor, UInt(TIOCEXCL))
        return nil
    }

    func posixOutputWaiting() -> Int? {
        var queued: Int32 = 0
        return ioctl(fileDescriptor, UInt(TIOCOUTQ), &queued) == 0 ? Int(queued) : nil
    }
}

/// A pseudo-terminal's slave side, opened and set up with plain termios (libserialport
/// refuses ptys: they have no modem lines, and it asks for them in every call).
final class TermiosChannel: SerialChannel {
    let fileDescriptor: Int32
    private var isOpen = true

    /// Opens `path` raw 8N1 at `baud`, no flow control. Throws the errno of the step that failed.
    init(path: String, baud: Int) throws(SerialOpenFailure) {
        fileDescriptor = try Self.open(path: path, baud: baud)
    }

    private static func open(path: String, baud: Int) throws(SerialOpenFailure) -> Int32 {
        let descriptor: Int32
        switch Descriptor.openTerminalDevice(path) {
        case let .success(opened): descriptor = opened
        case let .failure(failure): throw SerialOpenFailure(step: .open, code: failure.code)
        }
        var attributes = termios()
        guard tcgetattr(descriptor, &attributes) == 0 else {
            let code = errno
            Descriptor.close(descriptor)
            throw SerialOpenFailure(step: .configure, code: code)
        }
        cfmakeraw(&attributes)
        attributes.c_cflag &= ~(tcflag_t(CSIZE | PARENB | CSTOPB | HUPCL) | tcflag_t(CRTSCTS))
        attributes.c_cflag |= tcflag_t(CS8 | CLOCAL | CREAD)
        attributes.c_iflag &= ~tcflag_t(IXON | IXOFF | IXANY)
        withUnsafeMutableBytes(of: &attributes.c_cc) { cc in
            cc[Int(VMIN)] = 0
            cc[Int(VTIME)] = 0
        }
        let speed = BaudRate.termiosSpeed(baud) ?? speed_t(B115200)
        cfsetispeed(&attributes, speed)
        cfsetospeed(&attributes, speed)
        guard tcsetattr(descriptor, TCSANOW, &attributes) == 0 else {
            let code = errno
            Descriptor.close(descriptor)
            throw SerialOpenFailure(step: .configure, code: code)
        }
        return descriptor
    }

    func writeSome(_ bytes: UnsafeRawBufferPointer) -> IOResult {
        IOResult(Descriptor.write(fileDescriptor, bytes))
    }

    func readSome(_ buffer: UnsafeMutableRawBufferPointer) -> IOResult {
        IOResult(Descriptor.read(fileDescriptor, into: buffer))
    }

    func discardOutput() {
        tcflush(fileDescriptor, TCOFLUSH)
    }

    func outputWaiting() -> Int? { posixOutputWaiting() }

    func close() {
        guard isOpen else { return }
        isOpen = false
        Descriptor.close(fileDescriptor)
    }

    deinit { close() }
}

/// Which step of opening a port failed, and the errno.
struct SerialOpenFailure: Error {
    enum Step {
        /// Finding the port (libserialport: sp_get_port_by_name).
        case lookup
        case open
        /// Setting baud rate, 8N1, flow control, modem lines.
        case configure
        case lock
    }
    var step: Step
    var code: Int32
    /// libserialport's own words, when it gave some.
    var message: String?

    init(step: Step, code: Int32, message: String? = nil) {
        self.step = step
        self.code = code
        self.message = message
    }
}
