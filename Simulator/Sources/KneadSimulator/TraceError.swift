import KneadSystem

/// Why the trace could not be opened or written, with the system's own reason (errno),
/// so a caller can tell a full disk from a missing folder and say what to do.
public struct TraceError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Operation: String, Sendable {
        case open, write, close
    }

    public var operation: Operation
    /// nil for a descriptor the caller handed in.
    public var path: String?
    /// The errno the system gave.
    public var code: Int32

    public init(_ operation: Operation, path: String?, code: Int32) {
        self.operation = operation
        self.path = path
        self.code = code
    }

    /// No room left where the trace goes (ENOSPC, or a quota: EDQUOT).
    public var isDiskFull: Bool { code == Errno.ENOSPC || code == Errno.EDQUOT }

    public var reason: String { FileOutput.Failure(code: code).reason }

    public var description: String {
        let place = path.map { "the trace file \($0)" } ?? "the trace"
        switch operation {
        case .open:
            let advice = code == Errno.ENOENT ? "check that its folder exists"
                : code == Errno.EACCES || code == Errno.EPERM || code == Errno.EROFS ? "check that you can write there"
                : "choose another path"
            return "cannot open \(place): \(reason) (\(advice))"
        case .write, .close:
            let advice = isDiskFull ? "free some space or write the trace elsewhere" : "write the trace elsewhere"
            return "writing \(place) failed: \(reason) (\(advice)); the rows after it are lost"
        }
    }
}
