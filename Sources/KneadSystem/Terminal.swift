import Glibc

/// What a descriptor says about the terminal behind it.
public enum Terminal {
    public static func isTerminal(_ descriptor: Int32) -> Bool {
        isatty(descriptor) == 1
    }

    /// The window's columns and rows (TIOCGWINSZ); nil where the descriptor is not a
    /// terminal or the terminal gives no width. Rows may be 0 where only a width is known.
    public static func size(_ descriptor: Int32) -> (columns: Int, rows: Int)? {
        var size = winsize()
        guard ioctl(descriptor, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return nil }
        return (Int(size.ws_col), Int(size.ws_row))
    }
}

extension Terminal {
    /// Lets other programs open the terminal again after one set TIOCEXCL on it.
    public static func clearExclusive(_ descriptor: Int32) {
        _ = ioctl(descriptor, UInt(TIOCNXCL))
    }

    /// Throws away what was written to the terminal and not yet read from it (TCIFLUSH).
    public static func discardInput(_ descriptor: Int32) {
        tcflush(descriptor, TCIFLUSH)
    }
}
