/// The live view on the terminal: enters the alternate screen and key mode, redraws
/// in place (cursor home, each line cleared to its end), and restores the terminal.
import KneadPlayer

final class LiveScreen {
    private let terminal: TerminalMode
    private let style: TerminalStyle
    private var lastFrame = ""

    init(terminal: TerminalMode, style: TerminalStyle) {
        self.terminal = terminal
        self.style = style
    }

    /// Where keys are read from, or -1 for none.
    var keyFD: Int32 { terminal.inputFD }

    func enter() { terminal.enter() }

    func restore() { terminal.restore() }

    /// Draws the status; skips the write when nothing on screen would change.
    func draw(_ status: PlayStatus) {
        let size = terminal.size
        let view = LiveView(style: style, columns: size.columns, rows: size.rows, keysRead: terminal.inputFD >= 0)
        let lines = view.render(status)
        var frame = TerminalSequences.home
        for (index, line) in lines.enumerated() {
            frame += line + TerminalSequences.clearToEndOfLine
            if index < lines.count - 1 { frame += "\r\n" }
        }
        frame += TerminalSequences.clearToEndOfScreen
        guard frame != lastFrame else { return }
        lastFrame = frame
        writeAll(terminal.outputFD, frame)
    }
}
