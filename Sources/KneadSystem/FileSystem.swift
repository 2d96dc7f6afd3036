import Glibc

/// Paths, links, folders and one-line files (sysfs and /proc attributes), read without
/// Foundation.
public enum FileSystem {
    /// `path` with every symlink, `.` and `..` resolved (realpath); nil where it cannot be.
    public static func resolvedPath(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        return realpath(path, &buffer) != nil ? cString(buffer) : nil
    }

    /// What the symlink at `path` says (readlink); nil where it is no link.
    public static func linkTarget(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink(path, &buffer, buffer.count - 1)
        guard length > 0 else { return nil }
        return cString(buffer[0..<length])
    }

    /// The names in a folder, `.` and `..` included, in the order the system gives;
    /// empty where it cannot be read.
    public static func names(in folder: String) -> [String] {
        guard let directory = opendir(folder) else { return [] }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            names.append(withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            })
        }
        return names
    }

    /// The first line of a file (newline kept), up to `limit` - 1 bytes; nil where it
    /// cannot be read.
    public static func firstLine(of path: String, limit: Int = 256) -> String? {
        guard let handle = fopen(path, "r") else { return nil }
        defer { fclose(handle) }
        var buffer = [CChar](repeating: 0, count: limit)
        guard fgets(&buffer, Int32(buffer.count), handle) != nil else { return nil }
        return cString(buffer)
    }

    /// Makes a symlink at `path` that says `target` (symlink); fails where `path` exists.
    public static func makeSymbolicLink(at path: String, to target: String) throws(FileOutput.Failure) {
        guard symlink(target, path) == 0 else { throw FileOutput.Failure(code: errno) }
    }

    /// Renames `path` to `newPath`, replacing what was there in one step (rename).
    public static func rename(_ path: String, to newPath: String) throws(FileOutput.Failure) {
        guard Glibc.rename(path, newPath) == 0 else { throw FileOutput.Failure(code: errno) }
    }

    /// Removes the name `path` (unlink; a symlink itself, never what it leads to).
    /// Nothing there is not an error.
    public static func remove(_ path: String) {
        _ = unlink(path)
    }

    /// This process's id, for names no other process uses at the same time.
    public static var processID: Int32 { getpid() }
}
