import Glibc

/// Saves of a few files, seen through inotify on the folders that hold them.
///
/// The folder is watched rather than the file, so a save by rename keeps working:
/// vim, most IDEs and `write atomically` helpers write a temporary file and rename it
/// over the original, which gives the name a new inode (a watch on the old inode
/// would see IN_DELETE_SELF or IN_MOVE_SELF and nothing after). A folder watch sees
/// the new file arrive under the name (IN_MOVED_TO), a rewrite in place
/// (IN_CLOSE_WRITE), a new file (IN_CREATE then IN_CLOSE_WRITE) and its removal
/// (IN_DELETE, IN_MOVED_FROM), whatever the editor does.
///
/// Saves come in bursts (an editor's backup, its write, its rename; a formatter
/// running on save): `waitForChange` returns once the files have been quiet for the
/// settle time, so one save gives one redraw.
public final class FileChangeWatch {
    /// Why `waitForChange` returned.
    public enum Wake: Equatable, Sendable {
        /// One of the files was saved, created, removed or renamed, and then stayed
        /// quiet for the settle time.
        case changed
        /// The wake descriptor became readable (a signal, a stop asked for).
        case woken
        /// The output descriptor's reader went away (a pipe whose reader quit).
        case outputClosed
    }

    /// The inotify descriptor; -1 when inotify is unavailable.
    public let descriptor: Int32
    /// Watch descriptor → the names in that folder that count.
    private var watched: [Int32: Set<String>] = [:]
    private var buffer = [UInt8](repeating: 0, count: 16 * 1024)

    private static let mask = UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_MOVED_FROM)

    /// Watches `paths` (files; their folders must exist). Nil when inotify cannot be set
    /// up (out of descriptors or watches, or a folder that cannot be watched).
    public init?(paths: [String]) {
        let descriptor = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard descriptor >= 0 else { return nil }
        self.descriptor = descriptor
        for path in paths where !add(path) {
            Glibc.close(descriptor)
            return nil
        }
    }

    /// Watches one more file; false when its folder cannot be watched.
    @discardableResult
    public func add(_ path: String) -> Bool {
        let (folder, name) = Self.split(path)
        let watch = inotify_add_watch(descriptor, folder, Self.mask)
        guard watch >= 0 else { return false }
        watched[watch, default: []].insert(name)
        return true
    }

    deinit {
        Glibc.close(descriptor)
    }

    /// Waits until one of the files changes and then settles for `settleMilliseconds`
    /// (more events in that time restart it, up to `longestSettleMilliseconds` in all),
    /// or until `wakeDescriptor` (≥ 0) becomes readable, or `outputDescriptor` (≥ 0)
    /// reports its reader gone, whichever comes first.
    public func waitForChange(wakeDescriptor: Int32, outputDescriptor: Int32 = -1, settleMilliseconds: Int32 = 100,
                              longestSettleMilliseconds: Int32 = 1000) -> Wake {
        // Wait for the first relevant event. The output is polled for nothing: poll
        // reports POLLERR or POLLHUP on it all the same once its reader is gone.
        while true {
            switch Poll.wait([Poll.Request(descriptor, .readable), Poll.Request(wakeDescriptor, .readable),
                              Poll.Request(outputDescriptor, [])],
                             timeoutMilliseconds: -1) {
            case let .ready(events):
                if !events[1].isEmpty { return .woken }
                if !events[2].intersection([.error, .hangUp]).isEmpty { return .outputClosed }
                if !events[0].isEmpty && readRelevant() { break } else { continue }
            case .timedOut, .interrupted:
                continue
            case .failed:
                return .woken
            }
            break
        }
        // Let the burst settle.
        let start = MonotonicTime.nanoseconds()
        while true {
            let spent = Int32((MonotonicTime.nanoseconds() - start) / 1_000_000)
            let left = longestSettleMilliseconds - spent
            guard left > 0 else { return .changed }
            switch Poll.wait([Poll.Request(descriptor, .readable), Poll.Request(wakeDescriptor, .readable)],
                             timeoutMilliseconds: min(settleMilliseconds, left)) {
            case .timedOut:
                return .changed
            case let .ready(events):
                if !events[1].isEmpty { return .woken }
                _ = readRelevant()  // more of the burst (or noise from other files): wait again
            case .interrupted:
                continue
            case .failed:
                return .changed
            }
        }
    }

    /// Reads every waiting event; true when one names a watched file.
    private func readRelevant() -> Bool {
        var relevant = false
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else { break }
            var offset = 0
            let headerSize = MemoryLayout<inotify_event>.size
            while offset + headerSize <= count {
                let (watch, mask, nameLength) = buffer.withUnsafeBytes { raw -> (Int32, UInt32, Int) in
                    let event = raw.loadUnaligned(fromByteOffset: offset, as: inotify_event.self)
                    return (event.wd, event.mask, Int(event.len))
                }
                let nameStart = offset + headerSize
                let name = buffer[nameStart..<min(count, nameStart + nameLength)].prefix { $0 != 0 }
                if mask & UInt32(IN_Q_OVERFLOW) != 0 {
                    relevant = true  // events were lost: one of them may have been ours
                } else if let names = watched[watch], names.contains(String(decoding: name, as: UTF8.self)) {
                    relevant = true
                }
                offset = nameStart + nameLength
            }
        }
        return relevant
    }

    /// The folder to watch and the name in it (`pattern.yaml` → `.`, `pattern.yaml`).
    public static func split(_ path: String) -> (folder: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let folder = String(path[..<slash])
        return (folder.isEmpty ? "/" : folder, String(path[path.index(after: slash)...]))
    }
}
