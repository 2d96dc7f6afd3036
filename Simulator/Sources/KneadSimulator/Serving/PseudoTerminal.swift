import CKneadSystem
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A pseudo-terminal whose master side the simulator serves and whose slave side a
/// host opens (`path`, e.g. /dev/pts/3) as if it were a serial port.
///
/// The slave is put in raw mode (no echo, no line editing, no CR/LF translation, 8N1)
/// so that bytes cross unchanged. The simulator keeps its own descriptor of the slave
/// open for as long as it serves: without it, the master reads EIO and polls as hung
/// up whenever no host has the port open, between one `knead play` and the next.
final class PseudoTerminal {
    let master: Int32
    /// The simulator's own descriptor of the slave (never read or written).
    let slave: Int32
    let path: String
    private(set) var isOpen = true

    struct Failure: Error, CustomStringConvertible {
        var step: String
        var code: Int32
        var description: String {
            "cannot create a pseudo-terminal (\(step): \(String(cString: strerror(code))))"
        }
    }

    init(baud: Int) throws(Failure) {
        var name = [CChar](repeating: 0, count: 256)
        let master = knead_open_pseudo_terminal(&name, UInt(name.count))
        guard master >= 0 else { throw Failure(step: "posix_openpt", code: -master) }
        let path = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let slave = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)
        guard slave >= 0 else {
            let code = errno
            Glibc.close(master)
            throw Failure(step: "open \(path)", code: code)
        }
        var attributes = termios()
        if tcgetattr(slave, &attributes) == 0 {
            cfmakeraw(&attributes)
            attributes.c_cflag &= ~(tcflag_t(CSIZE | PARENB | CSTOPB) | tcflag_t(CRTSCTS))
            attributes.c_cflag |= tcflag_t(CS8 | CLOCAL | CREAD)
            if let speed = Self.speed(baud) {
                cfsetispeed(&attributes, speed)
                cfsetospeed(&attributes, speed)
            }
            _ = tcsetattr(slave, TCSANOW, &attributes)
        }
        _ = fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK)
        self.master = master
        self.slave = slave
        self.path = path
    }

    deinit { close() }

    /// Bytes the host wrote, up to `buffer.count`; 0 when none; nil when the line failed.
    func read(into buffer: inout [UInt8]) -> Int? {
        let count = buffer.withUnsafeMutableBytes { Glibc.read(master, $0.baseAddress, $0.count) }
        if count >= 0 { return count }
        let code = errno
        if code == EAGAIN || code == EWOULDBLOCK || code == EINTR { return 0 }
        // EIO: no slave open (cannot happen while `slave` is held, but harmless).
        return code == EIO ? 0 : nil
    }

    /// Hands bytes to the host; returns how many the terminal took (it may take fewer
    /// when the host does not read).
    func write(_ bytes: ArraySlice<UInt8>) -> Int {
        guard !bytes.isEmpty else { return 0 }
        let count = bytes.withUnsafeBytes { Glibc.write(master, $0.baseAddress, $0.count) }
        return count > 0 ? count : 0
    }

    /// A host that left may have set TIOCEXCL, which stays on the terminal for as long
    /// as the simulator holds the slave and would keep the next host (not root) out.
    func clearExclusive() {
        _ = ioctl(slave, UInt(TIOCNXCL))
    }

    /// Throws away what the device sent that no host read.
    func discardUnreadOutput() {
        tcflush(slave, TCIFLUSH)
    }

    /// Hangs up: the host's next read or write fails as when a cable is pulled.
    func close() {
        guard isOpen else { return }
        isOpen = false
        Glibc.close(master)
        Glibc.close(slave)
    }

    static func speed(_ baud: Int) -> speed_t? {
        switch baud {
        case 9600: return speed_t(B9600)
        case 19200: return speed_t(B19200)
        case 38400: return speed_t(B38400)
        case 57600: return speed_t(B57600)
        case 115_200: return speed_t(B115200)
        case 230_400: return speed_t(B230400)
        case 460_800: return speed_t(B460800)
        case 921_600: return speed_t(B921600)
        default: return nil
        }
    }
}

/// Who has the slave side of a pseudo-terminal open, from inotify's open and close
/// events on its device node (the simulator's own descriptor was opened before the
/// watch, so it is not counted).
final class HostPresence {
    private let descriptor: Int32
    /// Hosts that have the port open now (never below zero).
    private(set) var openCount = 0
    /// Whether the events can be had at all; when not, a host is assumed present.
    var isWatching: Bool { descriptor >= 0 }
    private var buffer = [UInt8](repeating: 0, count: 4096)

    enum Change: Equatable {
        case opened(count: Int)
        case closed(count: Int)
    }

    init(path: String) {
        let descriptor = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        if descriptor >= 0,
           inotify_add_watch(descriptor, path, UInt32(IN_OPEN | IN_CLOSE_WRITE | IN_CLOSE_NOWRITE)) < 0 {
            Glibc.close(descriptor)
            self.descriptor = -1
        } else {
            self.descriptor = descriptor
        }
    }

    deinit {
        if descriptor >= 0 { Glibc.close(descriptor) }
    }

    var pollDescriptor: Int32 { descriptor }

    /// Opens and closes since the last call, in order.
    func changes() -> [Change] {
        guard descriptor >= 0 else { return [] }
        var changes: [Change] = []
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else { break }
            var offset = 0
            let headerSize = MemoryLayout<inotify_event>.size
            while offset + headerSize <= count {
                let (mask, nameLength) = buffer.withUnsafeBytes { raw -> (UInt32, UInt32) in
                    let event = raw.loadUnaligned(fromByteOffset: offset, as: inotify_event.self)
                    return (event.mask, event.len)
                }
                if mask & UInt32(IN_OPEN) != 0 {
                    openCount += 1
                    changes.append(.opened(count: openCount))
                }
                if mask & UInt32(IN_CLOSE_WRITE | IN_CLOSE_NOWRITE) != 0 {
                    openCount = Swift.max(0, openCount - 1)
                    changes.append(.closed(count: openCount))
                }
                offset += headerSize + Int(nameLength)
            }
        }
        return changes
    }
}
