import KneadPlayer
import KneadSystem

/// Reads keys from the terminal without blocking, and waits for the next key or the
/// next redraw, whichever comes first, so the main loop is both responsive and idle.
struct KeyReader {
    /// The terminal in cbreak mode (`TerminalMode`), or -1 for no keys.
    let fd: Int32

    /// Waits up to `milliseconds` for input (or just sleeps when there is no terminal),
    /// then returns the keys that arrived. Returns early, with no keys, when `wake`
    /// (a pipe, -1 for none) becomes readable.
    func waitForKeys(milliseconds: Int32, wake: Int32 = -1) -> [PlayKey] {
        let wakeOnly = Poll.Request(wake, .readable)
        guard fd >= 0 else {
            _ = Poll.wait([wakeOnly], timeoutMilliseconds: milliseconds)
            return []
        }
        let outcome = Poll.wait([Poll.Request(fd, .readable), wakeOnly], timeoutMilliseconds: milliseconds)
        let got = if case let .ready(got) = outcome { got } else { [Poll.Events](repeating: [], count: 2) }
        if got[1].contains(.readable) { return [] }
        guard got[0].contains(.readable) else {
            // A hung-up terminal polls as ready forever: wait instead of spinning.
            if !got[0].isDisjoint(with: .closed) {
                _ = Poll.wait([wakeOnly], timeoutMilliseconds: milliseconds)
            }
            return []
        }
        var buffer = [UInt8](repeating: 0, count: 64)
        let transfer = buffer.withUnsafeMutableBytes { Descriptor.read(fd, into: $0) }
        guard case let .moved(count) = transfer, count > 0 else {
            if transfer == .moved(0) { _ = Poll.wait([], timeoutMilliseconds: milliseconds) }  // end of input
            return []
        }
        return PlayKey.decode(Array(buffer.prefix(count)))
    }
}
