#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The result of one non-blocking read or write: bytes moved (0: would block, or end
/// of file for a read the poll said was ready), or an errno.
enum IOResult {
    case count(Int)
    case failure(Int32)
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

/// Termios speeds for the baud rates knead accepts.
enum BaudRates {
    static func speed(_ baud: Int) -> speed_t? {
        switch baud {
        case 300: return speed_t(B300)
        case 600: return speed_t(B600)
        case 1200: return speed_t(B1200)
        case 2400: return speed_t(B2400)
        case 4800: return speed_t(B4800)
        case 9600: return speed_t(B9600)
        case 19200: return speed_t(B19200)
        case 38400: return speed_t(B38400)
        case 57600: return speed_t(B57600)
        case 115_200: return speed_t(B115200)
        case 230_400: return speed_t(B230400)
        case 460_800: return speed_t(B460800)
        case 500_000: return speed_t(B500000)
        case 576_000: return speed_t(B576000)
        case 921_600: return speed_t(B921600)
        case 1_000_000: return speed_t(B1000000)
        case 1_152_000: return speed_t(B1152000)
        case 1_500_000: return speed_t(B1500000)
        case 2_000_000: return speed_t(B2000000)
        case 2_500_000: return speed_t(B2500000)
        case 3_000_000: return speed_t(B3000000)
        case 3_500_000: return speed_t(B3500000)
        case 4_000_000: return speed_t(B4000000)
        default: return nil
        }
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
        let descriptor = Glibc.open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else { throw SerialOpenFailure(step: .open, code: errno) }
        var attributes = termios()
        guard tcgetattr(descriptor, &attributes) == 0 else {
            let code = errno
            Glibc.close(descriptor)
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
        let speed = BaudRates.speed(baud) ?? speed_t(B115200)
        cfsetispeed(&attributes, speed)
        cfsetospeed(&attributes, speed)
        guard tcsetattr(descriptor, TCSANOW, &attributes) == 0 else {
            let code = errno
            Glibc.close(descriptor)
            throw SerialOpenFailure(step: .configure, code: code)
        }
        return descriptor
    }

    func writeSome(_ bytes: UnsafeRawBufferPointer) -> IOResult {
        let written = Glibc.write(fileDescriptor, bytes.baseAddress, bytes.count)
        if written >= 0 { return .count(written) }
        let code = errno
        return code == EAGAIN || code == EWOULDBLOCK || code == EINTR ? .count(0) : .failure(code)
    }

    func readSome(_ buffer: UnsafeMutableRawBufferPointer) -> IOResult {
        let count = Glibc.read(fileDescriptor, buffer.baseAddress, buffer.count)
        if count >= 0 { return .count(count) }
        let code = errno
        return code == EAGAIN || code == EWOULDBLOCK || code == EINTR ? .count(0) : .failure(code)
    }

    func discardOutput() {
        tcflush(fileDescriptor, TCOFLUSH)
    }

    func outputWaiting() -> Int? { posixOutputWaiting() }

    func close() {
        guard isOpen else { return }
        isOpen = false
        Glibc.close(fileDescriptor)
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
