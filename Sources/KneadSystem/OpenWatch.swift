import Glibc

/// Opens and closes of a file by anyone (inotify IN_OPEN, IN_CLOSE_*): how a server
/// learns that a host opened or closed the device node it serves. Opens made before
/// the watch began are not seen.
public final class OpenWatch {
    public enum Event: Equatable, Sendable {
        case opened
        case closed
    }

    /// The descriptor to poll for readable (events waiting); -1 where there is no watch.
    public let descriptor: Int32
    private var buffer = [UInt8](repeating: 0, count: 4096)

    /// Watches `path`; `descriptor` is -1 where inotify will not watch it.
    public init(path: String) {
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

    /// The events since the last call, in order; never waits.
    public func events() -> [Event] {
        guard descriptor >= 0 else { return [] }
        var events: [Event] = []
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
                if mask & UInt32(IN_OPEN) != 0 { events.append(.opened) }
                if mask & UInt32(IN_CLOSE_WRITE | IN_CLOSE_NOWRITE) != 0 { events.append(.closed) }
                offset += headerSize + Int(nameLength)
            }
        }
        return events
    }
}
