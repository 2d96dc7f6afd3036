import KneadSystem

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
        let code: Int32
        do throws(FileOutput.Failure) {
            try FileOutput.writeAll(1, text)
            return
        } catch {
            code = error.code
        }
        let reason = code == 0 ? "the output was cut short" : Errno.text(code)
        error("knead: error: cannot write to standard output: \(reason)\n")
        throw KneadExitCode.ioError
    }

    private static func write(_ text: String, to descriptor: Int32) -> Bool {
        attempt(text, to: descriptor) == nil
    }

    /// Writes whole; the failure (with its errno) when it could not.
    static func attempt(_ text: String, to descriptor: Int32) -> FileOutput.Failure? {
        do throws(FileOutput.Failure) {
            try FileOutput.writeAll(descriptor, text)
            return nil
        } catch {
            return error
        }
    }

    static func isTerminal(_ descriptor: Int32) -> Bool {
        Terminal.isTerminal(descriptor)
    }

    /// The terminal's width in columns: the window size of stdout, then $COLUMNS, then 80.
    static func terminalWidth(environment: [String: String]) -> Int {
        if let size = Terminal.size(1) {
            return size.columns
        }
        if let columns = environment["COLUMNS"].flatMap(Int.init), columns > 0 {
            return columns
        }
        return 80
    }
}
