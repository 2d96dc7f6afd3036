import Glibc

/// A pipe for waking a thread blocked in poll(): close-on-exec both ends (a child
/// process must not keep them), the write end non-blocking (a full pipe already has
/// the wake-up in it, so the writer never waits). Nil when no pipe could be made.
func makeWakePipe() -> (read: Int32, write: Int32)? {
    var ends: [Int32] = [-1, -1]
    guard pipe(&ends) == 0 else { return nil }
    for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
    _ = fcntl(ends[1], F_SETFL, fcntl(ends[1], F_GETFL) | O_NONBLOCK)
    return (ends[0], ends[1])
}
