import KneadPlayer
import Glibc

/// Reads keys from the terminal without blocking, and waits for the next key or the
/// next redraw, whichever comes first, so the main loop is both responsive and idle.
struct KeyReader {
    /// The terminal in cbreak mode (`TerminalMode`), or -1 for no keys.
    let fd: Int32

    /// Waits up to `milliseconds` for input (or just sleeps when there is no terminal),
    /// then returns the keys that arrived. Returns early, with no keys, when `wake`
    /// (a pipe, -1 for none) becomes readable.
    func waitForKeys(milliseconds: Int32, wake: Int32 = -1) -> [PlayKey] {
        let wakeOnly = pollfd(fd: wake, events: Int16(POLLIN), revents: 0)
        guard fd >= 0 else {
            var descriptors = [wakeOnly]
            _ = poll(&descriptors, wake >= 0 ? 1 : 0, milliseconds)
            return []
        }
        var descriptors = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0), wakeOnly]
        let ready = poll(&descriptors, wake >= 0 ? 2 : 1, milliseconds)
        if ready > 0, descriptors[1].revents & Int16(POLLIN) != 0 { return [] }
        let descriptor = descriptors[0]
        guard ready > 0, descriptor.revents & Int16(POLLIN) != 0 else {
            // A hung-up terminal polls as ready forever: wait instead of spinning.
            if descriptor.revents & Int16(POLLHUP | POLLERR | POLLNVAL) != 0 {
                var wakeOnly = [wakeOnly]
                _ = poll(&wakeOnly, wake >= 0 ? 1 : 0, milliseconds)
            }
            return []
        }
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = read(fd, &buffer, buffer.count)
        guard count > 0 else {
            if count == 0 { _ = poll(nil, 0, milliseconds) }  // end of input
            return []
        }
        return PlayKey.decode(Array(buffer.prefix(count)))
    }
}
