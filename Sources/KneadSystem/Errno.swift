import Glibc

/// errno values as a person reads them in an error message.
public enum Errno {
    /// The system's text, e.g. "No such file or directory".
    public static func text(_ code: Int32) -> String {
        String(cString: strerror(code))
    }

    /// The symbolic name of the errno values knead explains, e.g. "ENODEV": the name is
    /// what a person searches for.
    public static func name(_ code: Int32) -> String {
        switch code {
        case ENOENT: return "ENOENT"
        case EACCES: return "EACCES"
        case EPERM: return "EPERM"
        case EBUSY: return "EBUSY"
        case ENODEV: return "ENODEV"
        case ENXIO: return "ENXIO"
        case EIO: return "EIO"
        case EPIPE: return "EPIPE"
        case ENOTTY: return "ENOTTY"
        case EAGAIN: return "EAGAIN"
        case EINVAL: return "EINVAL"
        case EISDIR: return "EISDIR"
        default: return "errno \(code)"
        }
    }
}
