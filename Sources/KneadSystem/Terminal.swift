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

extension Terminal {
    /// A terminal's settings as tcgetattr gave them, to change or to put back.
    public struct Settings: @unchecked Sendable {
        // A plain C struct of flags and characters: copied, never shared.
        public var attributes: termios
    }

    /// The terminal's settings now; nil where `descriptor` is no terminal.
    public static func settings(_ descriptor: Int32) -> Settings? {
        var attributes = termios()
        guard tcgetattr(descriptor, &attributes) == 0 else { return nil }
        return Settings(attributes: attributes)
    }

    /// Applies `settings` at once (TCSANOW).
    public static func apply(_ settings: Settings, to descriptor: Int32) {
        var attributes = settings.attributes
        tcsetattr(descriptor, TCSANOW, &attributes)
    }

    /// `settings` changed for reading keys: one at a time without echo (cbreak: Ctrl-C
    /// still raises SIGINT), reads that never wait, and Ctrl-Z disabled.
    public static func keyMode(from settings: Settings) -> Settings {
        var raw = settings.attributes
        raw.c_lflag &= ~tcflag_t(ICANON | ECHO)
        raw.c_lflag |= tcflag_t(ISIG)
        withUnsafeMutableBytes(of: &raw.c_cc) { cc in
            cc[Int(VMIN)] = 0
            cc[Int(VTIME)] = 0
            cc[Int(VSUSP)] = 0  // _POSIX_VDISABLE on Linux
        }
        return Settings(attributes: raw)
    }
}
