import KneadCore
import KneadPlayer
import KneadPictures

/// The live view: a pure function from a play's status and the terminal's size to the
/// lines on screen. `LiveScreen` puts them on the terminal.
public struct LiveView {
    public var style: TerminalStyle
    public var columns: Int
    public var rows: Int
    /// Whether keys are read (standard input is a terminal); otherwise only Ctrl-C works.
    public var keysRead = true

    public init(style: TerminalStyle, columns: Int, rows: Int, keysRead: Bool = true) {
        self.style = style
        self.columns = columns
        self.rows = rows
        self.keysRead = keysRead
    }

    /// Lines never wider than `columns` (visible characters), never more than `rows`.
    public func render(_ status: PlayStatus) -> [String] {
        let width = max(20, columns)
        var lines: [String] = []
        lines.append(header(status, width: width))
        lines.append(progressBar(status, width: width))
        lines.append(times(status, width: width))
        lines.append("")

        let panel = self.panel(status)
        let footer = 2
        let roomBeside = width - 1 - 3 - Self.panelWidth
        let rowsLeft = rows - lines.count - footer
        if roomBeside >= BackMap.minimumWidth, rowsLeft >= BackMap.minimumHeight {
            // The map on the left, the panel beside it.
            let map = BackMap(width: min(Self.largestMapWidth, roomBeside),
                              height: min(rowsLeft, Self.largestMapHeight), style: style)
            let mapLines = map.render(marks(status))
            for i in 0..<max(mapLines.count, panel.count) {
                let left = i < mapLines.count ? mapLines[i] : String(repeating: " ", count: map.width)
                let right = i < panel.count ? panel[i] : ""
                lines.append(" " + left + "   " + right)
            }
        } else if width - 2 >= BackMap.minimumWidth, rowsLeft - panel.count - 1 >= BackMap.minimumHeight {
            // A narrow window: the map above the panel.
            let map = BackMap(width: min(Self.largestMapWidth, width - 2),
                              height: min(rowsLeft - panel.count - 1, Self.largestMapHeight), style: style)
            lines += map.render(marks(status)).map { " " + $0 }
            lines.append("")
            lines += panel.map { " " + $0 }
        } else {
            lines += panel.map { " " + $0 }
        }
        lines.append("")
        lines.append(keys(status))
        // Narrow windows squeeze the panel's meters past the edge: cut every line at the
        // width, counting only what shows (colour sequences take no room).
        return lines.prefix(max(1, rows)).map { Self.clipVisible($0, width) }
    }

    /// The widest line of the panel: `intensity ▕…▏ 100% device`.
    static let panelWidth = 40
    /// Beyond this the map only grows emptier.
    static let largestMapWidth = 47
    static let largestMapHeight = 16

    // MARK: - Parts

    private func header(_ status: PlayStatus, width: Int) -> String {
        let title = "knead ▸ " + status.patternName
        var device = status.deviceName + (status.simulated ? " (simulator)" : "")
        if status.timeScale != 1 { device += " ×" + numberText(status.timeScale) }
        let gap = width - title.count - device.count - 2
        guard gap >= 1 else { return " " + style.paint(clip(title, width - 1), .bold) }
        return " " + style.paint(title, .bold) + String(repeating: " ", count: gap) + style.paint(device, .dim)
    }

    private func progressBar(_ status: PlayStatus, width: Int) -> String {
        let percent = " " + pad(String(Int((status.fraction * 100).rounded(.down))) + "%", 4)
        let barWidth = max(4, width - 2 - percent.count)
        return " " + bar(status.fraction, width: barWidth, colour: .green) + percent
    }

    private func times(_ status: PlayStatus, width: Int) -> String {
        let left = status.elapsedText + " played"
        let right = status.remainingText + " left of " + clockText(status.duration)
        let gap = width - 2 - left.count - right.count
        guard gap >= 1 else { return " " + left }
        return " " + left + String(repeating: " ", count: gap) + right
    }

    /// The text beside the map: step, technique, zone, meters, cap, phase.
    private func panel(_ status: PlayStatus) -> [String] {
        var lines: [String] = []
        if let step = status.step {
            lines.append(style.paint("step \(step.index + 1) of \(status.stepCount)", .dim))
        } else {
            lines.append(style.paint(status.technique == .travel ? "between steps" : "", .dim))
        }
        lines.append(style.paint(clip(status.technique.rawValue, Self.panelWidth), .boldCyan))
        lines.append(clip(status.technique == .travel ? "to " + status.target.name : status.target.name, Self.panelWidth))
        lines.append("")
        let meterWidth = 14
        lines.append("intensity " + meter(status.requested.intensity, width: meterWidth, colour: .yellow)
                     + " " + percentText(status.requested.intensity) + " asked")
        if let actual = status.actual {
            lines.append("          " + meter(actual.intensity, width: meterWidth, colour: .magenta)
                         + " " + percentText(actual.intensity) + " device")
        }
        if status.hasPressure {
            let pressure = status.actual?.pressure ?? status.requested.pressure
            lines.append("pressure  " + meter(pressure, width: meterWidth, colour: .blue) + " " + percentText(pressure))
        }
        lines.append("your cap  " + meter(status.personCap, width: meterWidth, colour: .dim) + " " + percentText(status.personCap))
        lines.append("")
        lines.append(phaseText(status))
        return lines
    }

    private func phaseText(_ status: PlayStatus) -> String {
        switch status.phase {
        case .starting: return style.paint("starting (soft start)", .dim)
        case .playing: return style.paint("playing", .green)
        case .pausing: return style.paint("pausing (ramping down)", .yellow)
        case .paused: return style.paint("paused: space resumes", .boldYellow)
        case .resuming: return style.paint("resuming (ramping up)", .yellow)
        case .rampingOut: return style.paint("ramping out (end of session)", .yellow)
        case .stopping: return style.paint("stopping: device to zero", .boldRed)
        case .finished: return style.paint("finished", .green)
        }
    }

    private func keys(_ status: PlayStatus) -> String {
        let pause = status.phase == .paused || status.phase == .pausing ? "resume" : "pause"
        let text = keysRead ? " space \(pause) · + / - cap ±10% · q stop" : " Ctrl-C stops (keys need a terminal on standard input)"
        return style.paint(clip(text, max(1, columns)), .dim)
    }

    private func marks(_ status: PlayStatus) -> BackMap.Marks {
        BackMap.Marks(position: status.actual?.position ?? status.requested.position,
                      requested: status.actual == nil ? nil : status.requested.position,
                      target: status.technique == .rest ? nil : status.target)
    }

    // MARK: - Pieces

    /// `████████░░░░`: a filled bar, or `[#####.....]` without Unicode.
    private func bar(_ fraction: Double, width: Int, colour: TerminalStyle.SGR) -> String {
        let inner = style.unicode ? width : max(1, width - 2)
        let filled = Int((fraction.unitClamped * Double(inner)).rounded())
        if style.unicode {
            return style.paint(String(repeating: "█", count: filled), colour)
                + style.paint(String(repeating: "░", count: inner - filled), .dim)
        }
        return "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: inner - filled) + "]"
    }

    /// A level meter with eighth-block resolution when Unicode is available.
    private func meter(_ level: Double, width: Int, colour: TerminalStyle.SGR) -> String {
        guard style.unicode else { return bar(level, width: width, colour: colour) }
        let eighths = Int((level.unitClamped * Double(width * 8)).rounded())
        let full = eighths / 8, part = eighths % 8
        let partials = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"]
        let body = String(repeating: "█", count: full) + partials[part]
        let rest = String(repeating: " ", count: width - full - (part > 0 ? 1 : 0))
        return "▕" + style.paint(body, colour) + rest + "▏"
    }

    private func percentText(_ level: Double) -> String {
        pad(String(Int((level.unitClamped * 100).rounded())) + "%", 4)
    }

    private func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
    }

    private func clip(_ text: String, _ width: Int) -> String {
        text.count <= width ? text : String(text.prefix(max(0, width - 1))) + "…"
    }

    /// `text` cut to `width` visible characters; escape sequences are kept whole and
    /// not counted, and a cut line ends with an attribute reset.
    static func clipVisible(_ text: String, _ width: Int) -> String {
        var visible = 0
        var result = ""
        var iterator = text.makeIterator()
        var sawEscape = false
        while let character = iterator.next() {
            if character == "\u{1B}" {
                sawEscape = true
                result.append(character)
                // CSI: "[", parameters, then one final byte in @…~.
                while let next = iterator.next() {
                    result.append(next)
                    if next != "[", let ascii = next.asciiValue, (0x40...0x7E).contains(ascii) { break }
                }
                continue
            }
            guard visible < width else { return result + (sawEscape ? "\u{1B}[0m" : "") }
            result.append(character)
            visible += 1
        }
        return result
    }
}
