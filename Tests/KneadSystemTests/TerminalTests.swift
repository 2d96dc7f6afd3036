import Glibc
import KneadSystem
import Testing

@Suite("Terminal")
struct TerminalTests {
    /// A pseudo-terminal and its slave, opened non-blocking.
    private func openPair() throws -> (master: Int32, slave: Int32) {
        let pair = try PseudoTerminalPair.open()
        let slave = try Descriptor.openTerminalDevice(pair.slavePath).get()
        return (pair.master, slave)
    }

    @Test func aPseudoTerminalIsATerminalAndAPipeIsNot() throws {
        let (master, slave) = try openPair()
        defer { Descriptor.close(master); Descriptor.close(slave) }
        #expect(Terminal.isTerminal(slave))
        let pipe = try #require(WakePipe())
        #expect(!Terminal.isTerminal(pipe.readEnd))
        #expect(Terminal.size(pipe.readEnd) == nil)
    }

    @Test func theWindowSizeIsWhatTheTerminalWasGiven() throws {
        let (master, slave) = try openPair()
        defer { Descriptor.close(master); Descriptor.close(slave) }
        #expect(Terminal.size(slave) == nil)  // a new pty has no size
        var size = winsize(ws_row: 24, ws_col: 100, ws_xpixel: 0, ws_ypixel: 0)
        try #require(ioctl(master, UInt(TIOCSWINSZ), &size) == 0)
        let got = try #require(Terminal.size(slave))
        #expect(got.columns == 100 && got.rows == 24)
    }

    @Test func keyModeReadsKeysOneAtATimeWithoutEchoAndPutsBack() throws {
        let (master, slave) = try openPair()
        defer { Descriptor.close(master); Descriptor.close(slave) }
        let original = try #require(Terminal.settings(slave))
        #expect(original.attributes.c_lflag & tcflag_t(ICANON | ECHO) == tcflag_t(ICANON | ECHO))
        Terminal.apply(Terminal.keyMode(from: original), to: slave)
        let keys = try #require(Terminal.settings(slave)).attributes
        #expect(keys.c_lflag & tcflag_t(ICANON | ECHO) == 0)
        #expect(keys.c_lflag & tcflag_t(ISIG) != 0)
        withUnsafeBytes(of: keys.c_cc) { cc in
            #expect(cc[Int(VMIN)] == 0 && cc[Int(VTIME)] == 0 && cc[Int(VSUSP)] == 0)
        }
        Terminal.apply(original, to: slave)
        #expect(try #require(Terminal.settings(slave)).attributes.c_lflag == original.attributes.c_lflag)
        #expect(Terminal.settings(-1) == nil)
    }

    @Test func unreadInputIsDiscarded() throws {
        let (master, slave) = try openPair()
        defer { Descriptor.close(master); Descriptor.close(slave) }
        PseudoTerminalPair.makeRaw(slave, baud: nil)
        let bytes: [UInt8] = [0x41, 0x42]
        #expect(bytes.withUnsafeBytes { Descriptor.write(master, $0) } == .moved(2))
        #expect(Poll.wait(for: .readable, on: slave, timeoutMilliseconds: 5_000).contains(.readable))
        Terminal.discardInput(slave)
        var buffer = [UInt8](repeating: 0, count: 8)
        #expect(buffer.withUnsafeMutableBytes { Descriptor.read(slave, into: $0) } == .again)
        Terminal.clearExclusive(slave)  // nothing set: a no-op that must not fail the terminal
        #expect(Terminal.isTerminal(slave))
    }
}
