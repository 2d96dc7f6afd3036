import KneadSystem

/// What a port path given on the command line leads to, worked out before opening it.
///
/// A pseudo-terminal is recognised when the path, after following symlinks, is
/// `/dev/pts/N`, or when it is a character device whose major number is a Unix98 pty
/// slave's (136–143: a pty presented under another name). Pseudo-terminals are opened
/// with plain termios, everything else through libserialport (docs/drivers.md).
public struct PortPath: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable {
        /// A character device that is not a pseudo-terminal: a UART, a USB serial adapter.
        case serialDevice = "serial"
        /// The slave side of a pseudo-terminal (`knead sim`, socat, a terminal).
        case pseudoTerminal = "pty"
        /// No such file.
        case missing
        /// Something that is not a character device (a regular file, a folder, a socket).
        case notADevice = "not-a-device"
    }

    /// As given.
    public let path: String
    /// Symlinks followed (`realpath`); the given path when it cannot be resolved.
    public let resolved: String
    public let kind: Kind
    /// What `stat` said the path is, for messages about a path that is not a device.
    public let fileType: String?

    public init(_ path: String) {
        self.path = path
        resolved = FileSystem.resolvedPath(path) ?? path
        guard let info = FileStatus(path: path) else {
            kind = .missing
            fileType = nil
            return
        }
        guard info.kind == .characterDevice else {
            kind = .notADevice
            fileType = Self.describe(info.kind)
            return
        }
        fileType = "a character device"
        if resolved.hasPrefix("/dev/pts/") || Self.ptySlaveMajors.contains(Self.major(info.representedDevice)) {
            kind = .pseudoTerminal
        } else {
            kind = .serialDevice
        }
    }

    /// Unix98 pty slaves (Documentation/admin-guide/devices.txt: 136–143).
    static let ptySlaveMajors: ClosedRange<UInt32> = 136...143

    static func major(_ device: UInt64) -> UInt32 {
        let value = UInt64(device)
        return UInt32(truncatingIfNeeded: ((value >> 8) & 0xfff) | ((value >> 32) & ~0xfff))
    }

    private static func describe(_ kind: FileStatus.Kind) -> String {
        switch kind {
        case .regularFile: return "a regular file"
        case .directory: return "a folder"
        case .socket: return "a socket"
        case .namedPipe: return "a named pipe"
        case .blockDevice: return "a block device"
        default: return "not a device"
        }
    }

    // MARK: Ports knead never opens

    /// Why knead refuses to open this path even though it is a character device: the
    /// machine's console (writing to it disturbs whoever uses it, and on these machines
    /// /dev/ttyS0 is it), or the terminal knead itself runs in. Nil: it may be opened.
    public func neverOpenReason(consoleNames: [String] = PortPath.activeConsoleNames()) -> String? {
        let name = resolved.hasPrefix("/dev/") ? String(resolved.dropFirst(5)) : nil
        if resolved == "/dev/console" || resolved == "/dev/tty" || resolved == "/dev/tty0"
            || name.map(consoleNames.contains) == true {
            return "\(path) is this machine's console: knead never opens it"
        }
        if kind == .pseudoTerminal || kind == .serialDevice, isOwnTerminal() {
            return "\(path) is the terminal knead is running in"
        }
        return nil
    }

    /// The kernel's active consoles (`/sys/class/tty/console/active`, e.g. `ttyS0 tty0`).
    public static func activeConsoleNames(file: String = "/sys/class/tty/console/active") -> [String] {
        guard let line = FileSystem.firstLine(of: file) else { return [] }
        return line.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
    }

    /// The same device as standard input, output or error.
    private func isOwnTerminal() -> Bool {
        guard let info = FileStatus(path: path) else { return false }
        for descriptor: Int32 in 0...2 where Terminal.isTerminal(descriptor) {
            if let own = FileStatus(descriptor: descriptor), own.representedDevice == info.representedDevice,
               own.kind == .characterDevice {
                return true
            }
        }
        return false
    }
}
