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

    // The values knead tells apart, by their C names, so a caller matches on them
    // without importing the C library.
    public static let EPERM = Glibc.EPERM
    public static let ENOENT = Glibc.ENOENT
    public static let EINTR = Glibc.EINTR
    public static let EIO = Glibc.EIO
    public static let ENXIO = Glibc.ENXIO
    public static let EAGAIN = Glibc.EAGAIN
    public static let ENOMEM = Glibc.ENOMEM
    public static let EACCES = Glibc.EACCES
    public static let EBUSY = Glibc.EBUSY
    public static let ENODEV = Glibc.ENODEV
    public static let EISDIR = Glibc.EISDIR
    public static let EINVAL = Glibc.EINVAL
    public static let ENOTTY = Glibc.ENOTTY
    public static let ENOSPC = Glibc.ENOSPC
    public static let EROFS = Glibc.EROFS
    public static let EPIPE = Glibc.EPIPE
    public static let EDQUOT = Glibc.EDQUOT
}
