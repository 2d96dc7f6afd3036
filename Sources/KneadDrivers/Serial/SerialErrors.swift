import KneadSystem

/// The words for everything that can go wrong with a port: what happened, which port,
/// and what to do. docs/drivers.md lists them.
enum SerialErrors {
    static let dialoutFix = "add yourself to the dialout group with 'sudo usermod -aG dialout $USER', "
        + "then log out and in again"

    static func openMessage(_ failure: SerialOpenFailure, path: String, kind: PortPath.Kind,
                            backend: SerialBackendChoice) -> String {
        let code = failure.code
        switch (failure.step, code) {
        case (.lock, _), (_, Errno.EBUSY):
            return "\(path) is busy: another program has it open (a serial monitor, another knead); close it and try again"
        case (_, Errno.EACCES), (_, Errno.EPERM):
            return "permission denied opening \(path): \(dialoutFix)"
        case (_, Errno.ENOENT):
            return "no serial port at \(path): no such file (run 'knead devices' to list the ports)"
        case (_, Errno.ENODEV), (_, Errno.ENXIO):
            if failure.step == .lookup {
                return "libserialport does not know \(path) as a serial port (\(failure.message ?? Errno.name(code))); "
                    + "run 'knead devices' to list the ports"
            }
            return "\(path) has no device behind it (\(Errno.name(code))): plug the device in, or check the path"
        case (_, Errno.EIO) where kind == .pseudoTerminal:
            return "\(path) is a pseudo-terminal whose other end is closed (EIO): start 'knead sim' again and use the path it prints"
        case (.configure, Errno.ENOTTY) where kind == .pseudoTerminal && backend == .libserialport:
            return "libserialport cannot set up \(path), a pseudo-terminal (ENOTTY: ptys have no modem lines); "
                + "unset \(SerialBackendChoice.environmentVariable) so knead opens it with termios"
        case (.configure, _):
            return "cannot set up \(path) as 8N1 at the profile's baud rate: \(failure.message ?? Errno.text(code)) (\(Errno.name(code)))"
        default:
            return "cannot open \(path): \(failure.message ?? Errno.text(code)) (\(Errno.name(code)))"
        }
    }

    /// A read or write failed with `code` while playing.
    static func failureMessage(path: String, code: Int32, while doing: String) -> String {
        switch code {
        case Errno.ENODEV, Errno.ENXIO:
            return "\(path) went away while \(doing) (\(Errno.name(code)): the device was unplugged)"
        case Errno.EIO:
            return "\(path) failed while \(doing) (EIO: the device was unplugged, lost power, or the other end closed the port)"
        case Errno.EPIPE:
            return "\(path) hung up while \(doing) (EPIPE)"
        default:
            return "\(path) failed while \(doing): \(Errno.text(code)) (\(Errno.name(code)))"
        }
    }

    static func hangupMessage(path: String, kind: PortPath.Kind) -> String {
        kind == .pseudoTerminal
            ? "\(path) hung up: the program at the other end of the pseudo-terminal closed it"
            : "\(path) hung up: the device was unplugged or lost power"
    }
}
