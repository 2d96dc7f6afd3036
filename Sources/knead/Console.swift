#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Standard error and what the terminal is.
enum Console {
    /// Writes to standard error as it is (callers end lines themselves). False when
    /// it could not be written whole.
    @discardableResult
    static func error(_ text: String) -> Bool {
        write(text, to: 2)
    }

    /// Writes to standard output, unbuffered by Swift (print() and this must not be
    /// mixed). False when it could not be written whole (a full disk, a closed pipe).
    @discardableResult
    static func output(_ text: String) -> Bool {
        write(text, to: 1)
    }

    /// Writes to standard output; when that fails, says so on standard error and throws
    /// exit 74 (EX_IOERR), as `render` does, so a script never takes lost output for success.
    static func outputOrExit(_ text: String) throws {
        guard !output(text) else { return }
        let reason = errno == 0 ? "the output was cut short" : String(cString: strerror(errno))
        error("knead: error: cannot write to standard output: \(reason)\n")
        throw KneadExitCode.ioError
    }

    private static func write(_ text: String, to descriptor: Int32) -> Bool {
        guard !text.isEmpty else { return true }
        var text = text
        return text.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written <= 0 { if written < 0 && errno == EINTR { continue }; return false }
                offset += written
            }
            return true
        }
    }

    static func isTerminal(_ descriptor: Int32) -> Bool {
        isatty(descriptor) == 1
    }

    /// The terminal's width in columns: the window size of stdout, then $COLUMNS, then 80.
    static func terminalWidth(environment: [String: String]) -> Int {
        var size = winsize()
        if ioctl(1, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 {
            return Int(size.ws_col)
        }
        if let columns = environment["COLUMNS"].flatMap(Int.init), columns > 0 {
            return columns
        }
        return 80
    }
}
