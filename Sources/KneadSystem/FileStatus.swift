import Glibc

/// What stat(2) says a path is, as much of it as knead asks about.
public struct FileStatus: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case regularFile, directory, characterDevice, blockDevice, socket, namedPipe, symbolicLink, other
    }

    public let kind: Kind
    /// The device the file lives on and its inode there: together, which file it is.
    public let device: UInt64
    public let inode: UInt64
    /// For a device node, the device it stands for (st_rdev).
    public let representedDevice: UInt64

    /// `path` with symlinks followed (stat); nil where there is nothing there.
    public init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        self.init(info)
    }

    /// `path` itself, a symlink not followed (lstat).
    public init?(linkAt path: String) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        self.init(info)
    }

    /// What an open descriptor refers to (fstat).
    public init?(descriptor: Int32) {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { return nil }
        self.init(info)
    }

    private init(_ info: stat) {
        switch info.st_mode & S_IFMT {
        case S_IFREG: kind = .regularFile
        case S_IFDIR: kind = .directory
        case S_IFCHR: kind = .characterDevice
        case S_IFBLK: kind = .blockDevice
        case S_IFSOCK: kind = .socket
        case S_IFIFO: kind = .namedPipe
        case S_IFLNK: kind = .symbolicLink
        default: kind = .other
        }
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
        representedDevice = UInt64(info.st_rdev)
    }

    /// Whether two paths lead to the same file (through a symlink, `./`, a hard link).
    /// False when either is missing.
    public static func sameFile(_ a: String, _ b: String) -> Bool {
        guard let a = FileStatus(path: a), let b = FileStatus(path: b) else { return false }
        return a.device == b.device && a.inode == b.inode
    }
}
