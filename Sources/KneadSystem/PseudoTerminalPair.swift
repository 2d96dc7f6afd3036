import CKneadSystem
import Glibc

/// A new pseudo-terminal: the master descriptor and the slave's path (/dev/pts/N),
/// which a host opens as if it were a serial port.
public struct PseudoTerminalPair: Sendable {
    public let master: Int32
    public let slavePath: String

    public struct Failure: Error, CustomStringConvertible {
        public var step: String
        public var code: Int32
        public var description: String {
            "cannot create a pseudo-terminal (\(step): \(Errno.text(code)))"
        }

        public init(step: String, code: Int32) {
            self.step = step
            self.code = code
        }
    }

    /// posix_openpt, grantpt, unlockpt and ptsname_r; the master is close-on-exec and
    /// not the controlling terminal. The caller owns and closes `master`.
    public static func open() throws(Failure) -> PseudoTerminalPair {
        var name = [CChar](repeating: 0, count: 256)
        let master = knead_open_pseudo_terminal(&name, UInt(name.count))
        guard master >= 0 else { throw Failure(step: "posix_openpt", code: -master) }
        let path = cString(name)
        return PseudoTerminalPair(master: master, slavePath: path)
    }

    /// Raw 8N1 at `baud` (when termios knows it), no flow control: bytes cross a
    /// terminal set up this way unchanged, as they would a serial line.
    public static func makeRaw(_ descriptor: Int32, baud: Int?) {
        var attributes = termios()
        guard tcgetattr(descriptor, &attributes) == 0 else { return }
        cfmakeraw(&attributes)
        attributes.c_cflag &= ~(tcflag_t(CSIZE | PARENB | CSTOPB) | tcflag_t(CRTSCTS))
        attributes.c_cflag |= tcflag_t(CS8 | CLOCAL | CREAD)
        if let baud, let speed = BaudRate.termiosSpeed(baud) {
            cfsetispeed(&attributes, speed)
            cfsetospeed(&attributes, speed)
        }
        _ = tcsetattr(descriptor, TCSANOW, &attributes)
    }
}
