import Glibc

/// Puts the terminal in the state the live view needs — keys read one at a time
/// without echo (cbreak: Ctrl-C still raises SIGINT), Ctrl-Z disabled (a suspended
/// player would leave the device running), the alternate screen, no cursor — and puts
/// it back on every way out: `restore()` on the normal paths, an `atexit` hook for
/// `exit()` calls, and `TerminalRescue` for crashes.
final class TerminalMode {
    let inputFD: Int32
    let outputFD: Int32
    /// Whether the alternate screen is used (a live view), or only key mode.
    let usesScreen: Bool
    private var savedInput: termios?
    private var screenEntered = false

    /// - Parameters:
    ///   - inputFD: the terminal keys come from, or -1 for none (stdin is not a terminal).
    ///   - outputFD: the terminal the view is drawn on.
    ///   - usesScreen: false for keys only (standard output is not a terminal).
    init(inputFD: Int32, outputFD: Int32, usesScreen: Bool = true) {
        self.inputFD = inputFD
        self.outputFD = outputFD
        self.usesScreen = usesScreen
    }

    /// Enters key mode (if there is an input terminal) and the alternate screen.
    func enter() {
        if inputFD >= 0 {
            var original = termios()
            if tcgetattr(inputFD, &original) == 0 {
                var raw = original
                raw.c_lflag &= ~tcflag_t(ICANON | ECHO)
                raw.c_lflag |= tcflag_t(ISIG)
                withUnsafeMutableBytes(of: &raw.c_cc) { cc in
                    cc[Int(VMIN)] = 0
                    cc[Int(VTIME)] = 0
                    cc[Int(VSUSP)] = 0  // _POSIX_VDISABLE on Linux
                }
                savedInput = original
                TerminalRescue.arm(inputFD: inputFD, original: original, outputFD: outputFD)
                tcsetattr(inputFD, TCSANOW, &raw)
            }
        } else {
            TerminalRescue.arm(inputFD: -1, original: termios(), outputFD: usesScreen ? outputFD : -1)
        }
        guard usesScreen else { return }
        writeAll(outputFD, TerminalSequences.enter)
        screenEntered = true
    }

    /// Back to the terminal as it was. Safe to call more than once.
    func restore() {
        if screenEntered {
            writeAll(outputFD, TerminalSequences.leave)
            screenEntered = false
        }
        if var original = savedInput {
            tcsetattr(inputFD, TCSANOW, &original)
            savedInput = nil
        }
        TerminalRescue.disarm()
    }

    deinit {
        restore()
    }

    /// Columns and rows of the output terminal (80×24 when it will not say).
    var size: (columns: Int, rows: Int) {
        var size = winsize()
        guard ioctl(outputFD, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0, size.ws_row > 0 else {
            return (80, 24)
        }
        return (Int(size.ws_col), Int(size.ws_row))
    }
}

/// The escape sequences the live view uses (VT100/xterm; every terminal in use has them).
enum TerminalSequences {
    /// Alternate screen, cursor hidden, line wrap off (a line too long for a narrow
    /// window is cut, not wrapped into the next), cleared.
    static let enter = "\u{1B}[?1049h\u{1B}[?25l\u{1B}[?7l\u{1B}[H\u{1B}[2J"
    /// Attributes reset, line wrap and cursor back, main screen back.
    static let leave = "\u{1B}[0m\u{1B}[?7h\u{1B}[?25h\u{1B}[?1049l"
    static let home = "\u{1B}[H"
    static let clearToEndOfLine = "\u{1B}[K"
    static let clearToEndOfScreen = "\u{1B}[J"
}

/// Writes all of `text`, retrying short writes and EINTR; gives up quietly on errors
/// (a closed terminal must not stop the device from being stopped).
func writeAll(_ fd: Int32, _ text: String) {
    var text = text
    text.withUTF8 { buffer in
        var offset = 0
        while offset < buffer.count {
            let written = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
            if written > 0 {
                offset += written
            } else if written < 0 && errno == EINTR {
                continue
            } else {
                return
            }
        }
    }
}
