import Foundation
import KneadSystem

/// Why a file could not be read at all (as opposed to read and found wrong).
///
/// The command line maps these to exit 66 (EX_NOINPUT); problems found in the
/// contents of a file are diagnostics and map to 65 (EX_DATAERR).
public enum FileProblem: Error, Sendable, Equatable, CustomStringConvertible {
    /// No file at that path.
    case missing
    /// There is something at the path, but it cannot be read (a directory,
    /// permission denied, an I/O error); the text says which.
    case unreadable(String)
    /// Larger than the limit for its kind of file; nothing of it was parsed.
    case tooLarge(limit: Int)
    /// The path names a folder.
    case folder
    /// The path is `-`, which many tools read as standard input; knead does not.
    case standardInput

    /// The description naming what the file should have been (`pattern file`,
    /// `profile file`) where that says more.
    public func description(kind: String) -> String {
        switch self {
        case .folder: return "it is a folder, not a \(kind)"
        case .standardInput:
            return "reading a \(kind.replacingOccurrences(of: " file", with: "")) from standard input is not supported; give a file path"
        default: return description
        }
    }

    public var description: String {
        switch self {
        case .folder:
            return "it is a folder, not a file"
        case .standardInput:
            return "reading from standard input is not supported; give a file path"
        case .missing:
            return "no such file"
        case let .unreadable(reason):
            return "cannot read the file: \(reason)"
        case let .tooLarge(limit):
            return "the file is larger than \(FileInput.describe(bytes: limit)), too large for this kind of file"
        }
    }
}

/// Reads files with a size limit, without ever loading more than the limit
/// (a path to /dev/zero or a huge log must not exhaust memory).
enum FileInput {
    /// Pattern and profile files are hand-written: a megabyte is far more than any needs.
    static let textFileLimit = 1 << 20
    /// Funscripts are machine-written lists of points: an hour at 10 points a second
    /// is well under a megabyte; 16 MiB leaves room and still bounds memory.
    static let funscriptLimit = 16 << 20

    static func read(path: String, limit: Int) -> Result<Data, FileProblem> {
        if path == "-" { return .failure(.standardInput) }
        // stat(2), not FileManager.fileExists, so that a link loop or a name the system
        // cannot find for another reason is not reported as a missing file.
        var info = stat()
        if stat(path, &info) != 0 {
            let code = errno
            switch code {
            case ELOOP: return .failure(.unreadable("a symbolic link loop"))
            case ENOENT, ENOTDIR:
                // Arguments reach Swift with bytes that are not UTF-8 replaced by U+FFFD,
                // so such a name can never be found again: say why instead of "missing".
                if path.unicodeScalars.contains("\u{FFFD}") {
                    return .failure(.unreadable("the file name is not valid UTF-8; rename the file"))
                }
                return .failure(.missing)
            case EACCES: return .failure(.unreadable("permission denied"))
            default: return .failure(.unreadable(Errno.text(code)))
            }
        }
        if info.st_mode & S_IFMT == S_IFDIR { return .failure(.folder) }
        // Anything but a plain file can block the read for ever (a named pipe nobody
        // writes, a terminal) or never end: say what it is instead.
        switch info.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFIFO: return .failure(.unreadable("it is a named pipe, not a file; give the file itself"))
        case S_IFSOCK: return .failure(.unreadable("it is a socket, not a file"))
        default: return .failure(.unreadable("it is a device, not a file"))
        }
        guard FileManager.default.isReadableFile(atPath: path) else { return .failure(.unreadable("permission denied")) }
        do {
            let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            let data = try handle.read(upToCount: limit + 1) ?? Data()
            if data.count > limit { return .failure(.tooLarge(limit: limit)) }
            return .success(data)
        } catch {
            return .failure(.unreadable(Self.reason(error)))
        }
    }

    static func describe(bytes: Int) -> String {
        if bytes >= 1 << 20, bytes % (1 << 20) == 0 { return "\(bytes >> 20) MiB" }
        if bytes >= 1 << 10, bytes % (1 << 10) == 0 { return "\(bytes >> 10) KiB" }
        return "\(bytes) bytes"
    }

    private static func reason(_ error: Error) -> String {
        let ns = error as NSError
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return Errno.text(Int32(underlying.code))
        }
        if ns.domain == NSPOSIXErrorDomain { return Errno.text(Int32(ns.code)) }
        return ns.localizedDescription
    }
}
