import KneadSystem

/// `knead sim --link PATH`: a symlink to the pseudo-terminal at a stable path, removed
/// at the end if it still leads to this simulator's terminal.
///
/// A link that leads to a terminal that still exists belongs to a live simulator (or
/// another program): it is refused, never re-pointed under a host that uses it. A link
/// whose terminal is gone was left by a simulator that died; it is replaced, with a note.
public final class PortLink: Sendable {
    public let path: String
    public let target: String
    /// What was done on the way, for the banner ("replaced a dangling link …"); nil if nothing.
    public let note: String?
    private let removed = Locked<Bool>(false)

    public struct Problem: Error, Equatable, CustomStringConvertible {
        public enum Kind: Sendable, Equatable {
            /// The path is taken by something that is not a symlink.
            case notALink
            /// The link leads to a terminal that exists: another simulator is serving it.
            case inUse(target: String)
            /// The system refused to make the link.
            case cannotCreate(reason: String)
        }

        public var path: String
        public var kind: Kind

        public var description: String {
            switch kind {
            case .notALink:
                return "--link \(path) exists and is not a symlink: remove it or choose another path"
            case let .inUse(target):
                return "--link \(path) already leads to \(target), which is live (another knead sim?): "
                    + "stop that simulator or choose another path"
            case let .cannotCreate(reason):
                return "cannot create the link \(path): \(reason) (does its folder exist and can you write there?)"
            }
        }
    }

    public init(at path: String, to target: String) throws(Problem) {
        self.path = path
        self.target = target
        var note: String?
        if let info = FileStatus(linkAt: path) {
            guard info.kind == .symbolicLink else { throw Problem(path: path, kind: .notALink) }
            let current = FileSystem.linkTarget(path) ?? "?"
            if FileStatus(path: path) != nil { throw Problem(path: path, kind: .inUse(target: current)) }
            note = "replaced the dangling link \(path) (it led to \(current), which is gone: a simulator that crashed?)"
        }
        self.note = note
        // Made beside it and renamed over it, so the path never points nowhere.
        let temporary = path + ".knead-sim-\(FileSystem.processID)"
        FileSystem.remove(temporary)
        do throws(FileOutput.Failure) {
            try FileSystem.makeSymbolicLink(at: temporary, to: target)
        } catch {
            throw Problem(path: path, kind: .cannotCreate(reason: error.reason))
        }
        do throws(FileOutput.Failure) {
            try FileSystem.rename(temporary, to: path)
        } catch {
            FileSystem.remove(temporary)
            throw Problem(path: path, kind: .cannotCreate(reason: error.reason))
        }
    }

    /// Removes the link if it still leads to this simulator's terminal (idempotent; any thread).
    public func remove() {
        removed.withLock { done in
            guard !done else { return }
            done = true
            if FileSystem.linkTarget(path) == target { FileSystem.remove(path) }
        }
    }
}
