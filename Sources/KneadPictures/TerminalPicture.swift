import KneadCore

/// The session drawn with text for a terminal: technique bands with labels, intensity as
/// an area of block characters, the position along the back as a braille trace, the
/// side of the back, pressure, a time axis, and then the table of steps.
public struct TerminalPicture: Sendable {
    /// Total width in characters, labels included (at least 40).
    public let width: Int
    /// ANSI colours (xterm-256) or plain text.
    public let color: Bool

    static let labelWidth = 10
    static let intensityRows = 4
    static let heightRows = 3

    public init(width: Int, color: Bool) {
        self.width = Swift.max(40, Swift.min(width, 1000))
        self.color = color
    }

    /// Characters available for the time axis.
    public var chartWidth: Int { width - Self.labelWidth }

    /// How many columns to fold frames into: two per character (braille has two dot
    /// columns per cell).
    public var columnCount: Int { chartWidth * 2 }

    public func render(summary: PictureSummary, columns: FrameColumns) -> String {
        precondition(columns.count == columnCount, "fold frames into columnCount columns")
        var out = ""
        let stepCount = summary.steps.filter { $0.technique != .travel }.count
        out += paint(summary.title, bold: true) + "  " + clockText(columns.lastTime) + " · \(stepCount) steps · device "
            + summary.device + "\n"
        out += label("technique") + bands(summary, columns) + "\n"
        let intensity = cellRanges(columns, .intensity)
        for row in 0..<Self.intensityRows {
            let name = row == 0 ? "intensity" : row == Self.intensityRows - 1 ? "0%–100%" : ""
            out += label(name) + paint(blocks(intensity, row: row, rows: Self.intensityRows), foreground: 208) + "\n"
        }
        let heights = braille(columns.ranges(of: .y), rows: Self.heightRows)
        for (row, line) in heights.enumerated() {
            let name = row == 0 ? "neck" : row == Self.heightRows - 1 ? "ribs" : "height"
            out += label(name) + paint(line, foreground: 99) + "\n"
        }
        out += label("side") + paint(sides(cellRanges(columns, .x)), foreground: 36) + "\n"
        // A handheld has no pressure channel: no row of nothing.
        if columns.isUsed(.pressure) {
            out += label("pressure") + paint(blocks(cellRanges(columns, .pressure), row: 0, rows: 1), foreground: 162) + "\n"
        }
        if columns.isUsed(.heat) {
            out += label("heat") + paint(blocks(cellRanges(columns, .heat), row: 0, rows: 1), foreground: 178) + "\n"
        }
        out += label("min:s") + axis(columns.duration) + "\n"
        out += "\n" + table(summary)
        return out
    }

    // MARK: rows

    private func label(_ text: String) -> String {
        let clipped = String(text.prefix(Self.labelWidth - 1))
        return clipped + String(repeating: " ", count: Self.labelWidth - clipped.count)
    }

    /// Merges the two braille dot columns of each character cell.
    private func cellRanges(_ columns: FrameColumns, _ channel: FrameColumns.Channel) -> [ValueRange?] {
        let ranges = columns.ranges(of: channel)
        return (0..<chartWidth).map { cell in
            switch (ranges[2 * cell], ranges[2 * cell + 1]) {
            case let (a?, b?): return ValueRange(low: Swift.min(a.low, b.low), high: Swift.max(a.high, b.high))
            case let (a?, nil): return a
            case let (nil, b?): return b
            case (nil, nil): return nil
            }
        }
    }

    /// One row of an area chart in eighth blocks, `row` 0 at the top.
    private func blocks(_ cells: [ValueRange?], row: Int, rows: Int) -> String {
        let glyphs: [Character] = [" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
        var line = ""
        for cell in cells {
            guard let cell else { line.append(" "); continue }
            let level = Int((cell.high * Double(rows * 8)).rounded())
            let base = (rows - 1 - row) * 8
            var fill = Swift.min(8, Swift.max(0, level - base))
            // A bottom row that is above zero at all shows at least a sliver.
            if fill == 0 && row == rows - 1 && cell.high > 0 { fill = 1 }
            line.append(glyphs[fill])
        }
        return line
    }

    /// A braille trace of a channel's range: 4 dots high per row, 2 dot columns per cell.
    private func braille(_ ranges: [ValueRange?], rows: Int) -> [String] {
        var canvas = BrailleCanvas(width: chartWidth, height: rows)
        let levels = canvas.dotRows
        for (column, range) in ranges.enumerated() {
            guard let range else { continue }
            let low = Swift.min(levels - 1, Int(range.low * Double(levels)))
            let high = Swift.min(levels - 1, Int(range.high * Double(levels)))
            for level in low...high { canvas.set(dotColumn: column, dotRow: levels - 1 - level) }
        }
        return canvas.lines
    }

    /// Which side of the back the work is on: ◂ left, ▸ right, │ on the spine line, ↔ both.
    private func sides(_ cells: [ValueRange?]) -> String {
        let margin = Anatomy.spineHalfWidth
        return String(cells.map { cell -> Character in
            guard let cell else { return " " }
            let left = cell.low < 0.5 - margin, right = cell.high > 0.5 + margin
            switch (left, right) {
            case (true, true): return "↔"
            case (true, false): return "◂"
            case (false, true): return "▸"
            case (false, false): return "│"
            }
        })
    }

    /// The technique of each cell, labels written into the runs of the same step.
    private func bands(_ summary: PictureSummary, _ columns: FrameColumns) -> String {
        let duration = columns.duration
        // The step under the middle of each cell.
        var owners: [Int?] = []
        var cursor = 0
        for cell in 0..<chartWidth {
            let time = (Double(cell) + 0.5) / Double(chartWidth) * duration
            while cursor < summary.steps.count,
                  summary.steps[cursor].start + summary.steps[cursor].duration <= time { cursor += 1 }
            if cursor < summary.steps.count, summary.steps[cursor].start <= time {
                owners.append(cursor)
            } else {
                owners.append(nil)
            }
        }
        var line = ""
        var cell = 0
        while cell < chartWidth {
            var end = cell + 1
            while end < chartWidth && owners[end] == owners[cell] { end += 1 }
            let runWidth = end - cell
            guard let owner = owners[cell] else {
                line += String(repeating: " ", count: runWidth)
                cell = end
                continue
            }
            let technique = summary.steps[owner].technique
            var text: String
            if technique == .travel {
                text = String(repeating: color ? " " : "·", count: runWidth)
            } else {
                let name = technique.rawValue
                let body = color ? name : "|" + name
                text = body.count <= runWidth ? body : (runWidth >= 4 ? String(body.prefix(runWidth - 1)) + "…"
                                                                       : String(repeating: color ? " " : "|", count: runWidth))
                text += String(repeating: " ", count: runWidth - text.count)
            }
            if color {
                let dark = TechniqueStyle.isDark(technique)
                line += "\u{1B}[48;5;\(TechniqueStyle.terminalColor(technique))m\u{1B}[38;5;\(dark ? 231 : 16)m"
                    + text + "\u{1B}[0m"
            } else {
                line += text
            }
            cell = end
        }
        return line
    }

    /// Tick labels at round times, as many as fit.
    private func axis(_ duration: Double) -> String {
        var chars = Array(repeating: Character(" "), count: chartWidth)
        let candidates: [Double] = [5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400]
        let maxTicks = Swift.max(2, chartWidth / 9)
        let tick = candidates.first { duration / $0 <= Double(maxTicks) } ?? 28800
        var time = 0.0
        while time <= duration + 1e-9 {
            let position = Int((time / duration * Double(chartWidth)).rounded(.down))
            let text = Array(clockText(time))
            if position + text.count <= chartWidth {
                for (offset, character) in text.enumerated() { chars[position + offset] = character }
            }
            time += tick
        }
        return String(chars)
    }

    /// start, length, technique, zone, intensity for each step (travel left out).
    private func table(_ summary: PictureSummary) -> String {
        let rows = summary.steps.filter { $0.technique != .travel }
        let techniqueWidth = Swift.max(9, rows.map(\.technique.rawValue.count).max() ?? 0)
        let zoneWidth = Swift.max(4, rows.map(\.zone.count).max() ?? 0)
        func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
            let padding = String(repeating: " ", count: Swift.max(0, width - text.count))
            return right ? padding + text : text + padding
        }
        let indexWidth = Swift.max(2, String(rows.count).count)
        var out = paint(pad("#", indexWidth, right: true) + "  " + pad("start", 7, right: true) + "  "
                        + pad("length", 7, right: true) + "  " + pad("technique", techniqueWidth) + "  "
                        + pad("zone", zoneWidth) + "  intensity", bold: true) + "\n"
        for (number, step) in rows.enumerated() {
            var line = pad(String(number + 1), indexWidth, right: true) + "  "
            line += pad(clockText(step.start), 7, right: true) + "  " + pad(lengthText(step.duration), 7, right: true)
            let name = pad(step.technique.rawValue, techniqueWidth)
            line += "  " + (color ? "\u{1B}[38;5;\(TechniqueStyle.terminalColor(step.technique))m" + name + "\u{1B}[0m" : name)
            line += "  " + pad(step.zone, zoneWidth) + "  " + pad(percentText(step.peakIntensity), 9, right: true)
            out += line + "\n"
        }
        return out
    }

    private func paint(_ text: String, foreground: Int? = nil, bold: Bool = false) -> String {
        guard color else { return text }
        var codes: [String] = []
        if bold { codes.append("1") }
        if let foreground { codes.append("38;5;\(foreground)") }
        return "\u{1B}[" + codes.joined(separator: ";") + "m" + text + "\u{1B}[0m"
    }
}
