import KneadPictures
import KneadSystem

/// What `knead sim` shows on standard error: events as lines and, on a terminal, a
/// status line kept at the bottom.
final class SimDisplay {
    let live: Bool
    private let write: (String) -> Void
    private var statusShown = false
    private var lastStatus: ServeStatus?

    init(live: Bool, write: @escaping (String) -> Void) {
        self.live = live
        self.write = write
    }

    func show(_ event: ServeEvent) {
        clearStatus()
        write("  " + ServeReport.formatTime(event.time) + "  " + event.text + "\n")
        if let lastStatus { update(lastStatus) }
    }

    func update(_ status: ServeStatus) {
        lastStatus = status
        guard live else { return }
        write("\r\u{1B}[2K" + status.line(width: Self.width()))
        statusShown = true
    }

    func finish() { clearStatus() }

    private func clearStatus() {
        guard statusShown else { return }
        write("\r\u{1B}[2K")
        statusShown = false
    }

    /// Columns of the terminal on standard error.
    static func width() -> Int {
        Terminal.size(2)?.columns ?? 80
    }
}

extension ServeReport {
    /// Seconds with three decimals, right-aligned for the event log.
    static func formatTime(_ seconds: Double) -> String {
        let text = decimalText(seconds, 3) + " s"
        return String(repeating: " ", count: Swift.max(0, 10 - text.count)) + text
    }
}
