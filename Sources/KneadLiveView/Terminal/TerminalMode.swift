import KneadSystem

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
    private var savedInput: Terminal.Settings?
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
            if let original = Terminal.settings(inputFD) {
                savedInput = original
                TerminalRescue.arm(inputFD: inputFD, original: original, outputFD: outputFD)
                Terminal.apply(Terminal.keyMode(from: original), to: inputFD)
            }
        } else {
            TerminalRescue.arm(inputFD: -1, original: nil, outputFD: usesScreen ? outputFD : -1)
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
        if let original = savedInput {
            Terminal.apply(original, to: inputFD)
            savedInput = nil
        }
        TerminalRescue.disarm()
    }

    deinit {
        restore()
    }

    /// Columns and rows of the output terminal (80×24 when it will not say).
    var size: (columns: Int, rows: Int) {
        guard let size = Terminal.size(outputFD), size.rows > 0 else { return (80, 24) }
        return size
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

/// Writes all of `text` (`FileOutput.writeAll`); gives up quietly on errors (a closed
/// terminal must not stop the device from being stopped).
func writeAll(_ fd: Int32, _ text: String) {
    try? FileOutput.writeAll(fd, text)
}
