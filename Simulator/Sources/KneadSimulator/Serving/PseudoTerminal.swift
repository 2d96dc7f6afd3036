import KneadSystem

/// A pseudo-terminal whose master side the simulator serves and whose slave side a
/// host opens (`path`, e.g. /dev/pts/3) as if it were a serial port.
///
/// The slave is put in raw mode (no echo, no line editing, no CR/LF translation, 8N1)
/// so that bytes cross unchanged. The simulator keeps its own descriptor of the slave
/// open for as long as it serves: without it, the master reads EIO and polls as hung
/// up whenever no host has the port open, between one `knead play` and the next.
final class PseudoTerminal {
    let master: Int32
    /// The simulator's own descriptor of the slave (never read or written).
    let slave: Int32
    let path: String
    private(set) var isOpen = true

    init(baud: Int) throws(PseudoTerminalPair.Failure) {
        let pair = try PseudoTerminalPair.open()
        let slave: Int32
        switch Descriptor.openTerminalDevice(pair.slavePath) {
        case let .success(opened): slave = opened
        case let .failure(failure):
            Descriptor.close(pair.master)
            throw PseudoTerminalPair.Failure(step: "open \(pair.slavePath)", code: failure.code)
        }
        PseudoTerminalPair.makeRaw(slave, baud: baud)
        Descriptor.setNonBlocking(pair.master)
        master = pair.master
        self.slave = slave
        path = pair.slavePath
    }

    deinit { close() }

    /// Bytes the host wrote, up to `buffer.count`; 0 when none; nil when the line failed.
    func read(into buffer: inout [UInt8]) -> Int? {
        switch buffer.withUnsafeMutableBytes({ Descriptor.read(master, into: $0) }) {
        case let .moved(count): return count
        case .again: return 0
        // EIO: no slave open (cannot happen while `slave` is held, but harmless).
        case let .failed(code): return code == Errno.EIO ? 0 : nil
        }
    }

    /// Hands bytes to the host; returns how many the terminal took (it may take fewer
    /// when the host does not read).
    func write(_ bytes: ArraySlice<UInt8>) -> Int {
        guard !bytes.isEmpty else { return 0 }
        guard case let .moved(count) = bytes.withUnsafeBytes({ Descriptor.write(master, $0) }) else { return 0 }
        return count
    }

    /// A host that left may have set TIOCEXCL, which stays on the terminal for as long
    /// as the simulator holds the slave and would keep the next host (not root) out.
    func clearExclusive() {
        Terminal.clearExclusive(slave)
    }

    /// Throws away what the device sent that no host read.
    func discardUnreadOutput() {
        Terminal.discardInput(slave)
    }

    /// Hangs up: the host's next read or write fails as when a cable is pulled.
    func close() {
        guard isOpen else { return }
        isOpen = false
        Descriptor.close(master)
        Descriptor.close(slave)
    }
}

/// Who has the slave side of a pseudo-terminal open, from inotify's open and close
/// events on its device node (the simulator's own descriptor was opened before the
/// watch, so it is not counted).
final class HostPresence {
    private let watch: OpenWatch
    /// Hosts that have the port open now (never below zero).
    private(set) var openCount = 0
    /// Whether the events can be had at all; when not, a host is assumed present.
    var isWatching: Bool { watch.descriptor >= 0 }

    enum Change: Equatable {
        case opened(count: Int)
        case closed(count: Int)
    }

    init(path: String) {
        watch = OpenWatch(path: path)
    }

    var pollDescriptor: Int32 { watch.descriptor }

    /// Opens and closes since the last call, in order.
    func changes() -> [Change] {
        watch.events().map { event in
            switch event {
            case .opened:
                openCount += 1
                return .opened(count: openCount)
            case .closed:
                openCount = Swift.max(0, openCount - 1)
                return .closed(count: openCount)
            }
        }
    }
}
