import KneadCore

/// The session as a picture a person reads: technique bands with labels along the top,
/// then intensity, position (across and along the back) and pressure over time, a time
/// axis in minutes and a legend. Frames come in already folded into one column per
/// pixel (`FrameColumns`), so the file stays small for a session of any length.
public enum SVGPicture {
    /// The picture's width in pixels; `plotWidth` of it is the time axis.
    public static let width = 1200
    public static let plotLeft = 96
    public static let plotWidth = 1074

    /// How many columns to fold frames into for this picture: one per pixel.
    public static var columnCount: Int { plotWidth }

    private struct Chart {
        var label: String
        var top: Double
        var height: Double
        /// Axis labels for 0 and 1.
        var bottomLabel: String
        var topLabel: String
    }

    private struct Line {
        var channel: FrameColumns.Channel
        var name: String
        var color: String
        var fillFromZero: Bool
    }

    public static func render(summary: PictureSummary, columns: FrameColumns) -> String {
        var svg = SVGText()
        let showsHeat = columns.isUsed(.heat)
        let end = columns.duration
        let left = Double(plotLeft), plotW = Double(plotWidth)
        func xOf(_ time: Double) -> Double { left + time / end * plotW }

        let bandTop = 66.0, bandHeight = 34.0
        let charts = [
            Chart(label: "intensity", top: 120, height: 120, bottomLabel: "0%", topLabel: "100%"),
            Chart(label: "position", top: 264, height: 120, bottomLabel: "0", topLabel: "1"),
            Chart(label: showsHeat ? "pressure, heat" : "pressure", top: 408, height: 80,
                  bottomLabel: "0%", topLabel: "100%"),
        ]
        let axisY = 500.0
        let height = 590

        svg.open("svg", [("xmlns", "http://www.w3.org/2000/svg"), ("width", "\(width)"), ("height", "\(height)"),
                         ("viewBox", "0 0 \(width) \(height)"), ("font-family", "Helvetica, Arial, sans-serif")])
        let playedFor = clockText(columns.lastTime)
        svg.element("title", text: "\(summary.title) (\(playedFor))")
        svg.element("rect", [("width", "100%"), ("height", "100%"), ("fill", "#ffffff")])

        // Title and subtitle.
        svg.element("text", [("x", "\(plotLeft)"), ("y", "30"), ("font-size", "20"), ("font-weight", "bold"),
                             ("fill", "#222222")], text: summary.title)
        let stepCount = summary.steps.filter { $0.technique != .travel }.count
        svg.element("text", [("x", "\(plotLeft)"), ("y", "52"), ("font-size", "13"), ("fill", "#555555")],
                    text: "\(playedFor) · \(stepCount) steps · device \(summary.device)")

        // Technique bands with labels.
        svg.element("text", [("x", number(left - 8)), ("y", number(bandTop + bandHeight / 2 + 4)),
                             ("font-size", "12"), ("text-anchor", "end"), ("fill", "#333333")], text: "technique")
        svg.open("g", [("class", "bands")])
        var abbreviated = Set<Technique>()
        for step in summary.steps {
            let x0 = xOf(step.start), x1 = xOf(step.start + step.duration)
            let w = Swift.max(0.5, x1 - x0)
            svg.open("g", [])
            svg.element("title", text: "\(step.technique.rawValue) · \(step.zone) · \(clockText(step.start))–\(clockText(step.start + step.duration))")
            svg.element("rect", [("x", number(x0)), ("y", number(bandTop)), ("width", number(w)),
                                 ("height", number(bandHeight)), ("fill", TechniqueStyle.color(step.technique)),
                                 ("stroke", "#ffffff"), ("stroke-width", "1")])
            if let label = bandLabel(step, width: w) {
                let ink = TechniqueStyle.isDark(step.technique) ? "#ffffff" : "#1a1a1a"
                let centre = number(x0 + w / 2)
                svg.element("text", [("x", centre), ("y", number(bandTop + (label.zone == nil ? 21 : 15))),
                                     ("font-size", number(label.size)), ("text-anchor", "middle"), ("fill", ink)],
                            text: label.technique)
                if label.technique != step.technique.rawValue { abbreviated.insert(step.technique) }
                if let zone = label.zone {
                    svg.element("text", [("x", centre), ("y", number(bandTop + 28)), ("font-size", number(label.zoneSize)),
                                         ("text-anchor", "middle"), ("fill", ink)], text: zone)
                }
            }
            svg.close("g")
        }
        svg.close("g")

        // Time grid and step boundaries behind the charts.
        let tick = tickInterval(for: end)
        let gridTop = charts[0].top, gridBottom = charts[charts.count - 1].top + charts[charts.count - 1].height
        svg.open("g", [("class", "grid"), ("stroke", "#eeeeee"), ("stroke-width", "1")])
        var t = 0.0
        while t <= end + 1e-9 {
            svg.element("line", [("x1", number(xOf(t))), ("y1", number(gridTop)), ("x2", number(xOf(t))),
                                 ("y2", number(gridBottom))])
            t += tick
        }
        svg.close("g")
        svg.open("g", [("class", "step-boundaries"), ("stroke", "#cccccc"), ("stroke-width", "0.6"),
                       ("stroke-dasharray", "2 3")])
        for step in summary.steps where step.technique != .travel && step.start > 0 {
            svg.element("line", [("x1", number(xOf(step.start))), ("y1", number(bandTop + bandHeight)),
                                 ("x2", number(xOf(step.start))), ("y2", number(gridBottom))])
        }
        svg.close("g")

        // The charts.
        let lines: [[Line]] = [
            [Line(channel: .intensity, name: "intensity", color: "#d95f02", fillFromZero: true)],
            [Line(channel: .y, name: "y: along the back (0 lower ribs, 1 neck base)", color: "#7570b3", fillFromZero: false),
             Line(channel: .x, name: "x: across the back (0 left, 0.5 spine, 1 right)", color: "#1b9e77", fillFromZero: false)],
            [Line(channel: .pressure, name: "pressure", color: "#e7298a", fillFromZero: false)]
                + (showsHeat ? [Line(channel: .heat, name: "heat", color: "#e6ab02", fillFromZero: false)] : []),
        ]
        for (chart, chartLines) in zip(charts, lines) {
            let bottom = chart.top + chart.height
            svg.open("g", [("class", "chart")])
            svg.element("text", [("x", number(left - 8)), ("y", number(chart.top + chart.height / 2 + 4)),
                                 ("font-size", "12"), ("text-anchor", "end"), ("fill", "#333333")], text: chart.label)
            svg.element("text", [("x", number(left + plotW + 4)), ("y", number(chart.top + 4)), ("font-size", "9"),
                                 ("fill", "#888888")], text: chart.topLabel)
            svg.element("text", [("x", number(left + plotW + 4)), ("y", number(bottom + 3)), ("font-size", "9"),
                                 ("fill", "#888888")], text: chart.bottomLabel)
            for level in [0.0, 0.5, 1.0] {
                let y = bottom - level * chart.height
                svg.element("line", [("x1", number(left)), ("y1", number(y)), ("x2", number(left + plotW)),
                                     ("y2", number(y)), ("stroke", level == 0 ? "#999999" : "#e4e4e4"),
                                     ("stroke-width", "1")])
            }
            if chart.label == "position" {
                // The spine line, x = 0.5, is the middle grid line.
                svg.element("text", [("x", number(left + plotW + 4)), ("y", number(bottom - 0.5 * chart.height + 3)),
                                     ("font-size", "9"), ("fill", "#888888")], text: "0.5")
            }
            for line in chartLines {
                let ranges = columns.ranges(of: line.channel)
                let colWidth = plotW / Double(columns.count)
                for run in runs(of: ranges) {
                    if line.fillFromZero {
                        svg.element("path", [("d", areaPath(ranges, run, left: left, colWidth: colWidth,
                                                            bottom: bottom, height: chart.height, fromZero: true)),
                                             ("fill", line.color), ("fill-opacity", "0.15"), ("stroke", "none")])
                    }
                    svg.element("path", [("d", areaPath(ranges, run, left: left, colWidth: colWidth,
                                                        bottom: bottom, height: chart.height, fromZero: false)),
                                         ("fill", line.color), ("fill-opacity", "0.35"), ("stroke", line.color),
                                         ("stroke-width", "1.2"), ("stroke-linejoin", "round")])
                }
            }
            svg.close("g")
        }

        // Time axis.
        svg.open("g", [("class", "time-axis"), ("font-size", "11"), ("fill", "#333333")])
        svg.element("line", [("x1", number(left)), ("y1", number(axisY)), ("x2", number(left + plotW)),
                             ("y2", number(axisY)), ("stroke", "#333333"), ("stroke-width", "1")])
        t = 0
        while t <= end + 1e-9 {
            let x = xOf(t)
            svg.element("line", [("x1", number(x)), ("y1", number(axisY)), ("x2", number(x)),
                                 ("y2", number(axisY + 5)), ("stroke", "#333333"), ("stroke-width", "1")])
            svg.element("text", [("x", number(x)), ("y", number(axisY + 18)), ("text-anchor", "middle")],
                        text: clockText(t))
            t += tick
        }
        svg.element("text", [("x", number(left - 26)), ("y", number(axisY + 18)), ("text-anchor", "end")],
                    text: "min:s")
        svg.close("g")

        // Legend: the lines, then the techniques that appear.
        svg.open("g", [("class", "legend"), ("font-size", "11"), ("fill", "#333333")])
        var x = left
        let legendLines = lines.flatMap { $0 }
        for line in legendLines {
            svg.element("rect", [("x", number(x)), ("y", number(axisY + 40)), ("width", "14"), ("height", "4"),
                                 ("fill", line.color)])
            svg.element("text", [("x", number(x + 18)), ("y", number(axisY + 45))], text: line.name)
            x += 18 + textWidth(line.name, size: 11) + 16
        }
        x = left
        var seen = Set<Technique>()
        for step in summary.steps where step.technique != .travel && seen.insert(step.technique).inserted {
            svg.element("rect", [("x", number(x)), ("y", number(axisY + 60)), ("width", "12"), ("height", "12"),
                                 ("fill", TechniqueStyle.color(step.technique))])
            // The short name too, where a band had to use it.
            let name = step.technique.rawValue
                + (abbreviated.contains(step.technique) ? " (\(TechniqueStyle.shortName(step.technique)))" : "")
            svg.element("text", [("x", number(x + 16)), ("y", number(axisY + 70))], text: name)
            x += 16 + textWidth(name, size: 11) + 14
        }
        svg.close("g")
        svg.close("svg")
        return svg.text
    }

    /// What fits in a band `width` pixels wide: the technique's name (full at 11 px, or
    /// short at 10 px), and under it the zone (full, or short) when that fits too.
    static func bandLabel(_ step: PictureSummary.Step, width: Double)
        -> (technique: String, size: Double, zone: String?, zoneSize: Double)? {
        guard step.technique != .travel, step.technique != .rest else { return nil }
        let full = step.technique.rawValue, short = TechniqueStyle.shortName(step.technique)
        let technique: (String, Double)
        if width >= textWidth(full, size: 11) + 6 {
            technique = (full, 11)
        } else if width >= textWidth(short, size: 10) + 4 {
            technique = (short, 10)
        } else {
            return nil
        }
        let shortZone = TechniqueStyle.shortZone(step.zone)
        let zone: (String, Double)?
        if width >= textWidth(step.zone, size: 9) + 6 {
            zone = (step.zone, 9)
        } else if width >= textWidth(shortZone, size: 9) + 4 {
            zone = (shortZone, 9)
        } else if width >= textWidth(shortZone, size: 8) + 2 {
            zone = (shortZone, 8)
        } else {
            zone = nil
        }
        return (technique.0, technique.1, zone?.0, zone?.1 ?? 9)
    }

    /// Grid spacing: the shortest of the usual intervals that gives at most 16 ticks.
    static func tickInterval(for duration: Double) -> Double {
        let candidates: [Double] = [5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200]
        return candidates.first { duration / $0 <= 16 } ?? 14400
    }

    /// Consecutive columns that hold frames.
    private static func runs(of ranges: [ValueRange?]) -> [Range<Int>] {
        var result: [Range<Int>] = []
        var start: Int?
        for index in 0...ranges.count {
            let filled = index < ranges.count && ranges[index] != nil
            if filled, start == nil { start = index }
            if !filled, let s = start {
                result.append(s..<index)
                start = nil
            }
        }
        return result
    }

    /// The band between each column's low and high (or between zero and the high), as one
    /// closed path: along the top edge forwards, back along the bottom edge.
    private static func areaPath(_ ranges: [ValueRange?], _ run: Range<Int>, left: Double, colWidth: Double,
                                 bottom: Double, height: Double, fromZero: Bool) -> String {
        var d = ""
        d.reserveCapacity(run.count * 24)
        for index in run {
            let x = left + (Double(index) + 0.5) * colWidth
            d += (index == run.lowerBound ? "M" : "L") + number(x) + "," + number(bottom - ranges[index]!.high * height)
        }
        for index in run.reversed() {
            let x = left + (Double(index) + 0.5) * colWidth
            let low = fromZero ? 0 : ranges[index]!.low
            d += "L" + number(x) + "," + number(bottom - low * height)
        }
        return d + "Z"
    }

    /// Width of a label in a sans-serif font, estimated (SVG text has no layout here).
    static func textWidth(_ text: String, size: Double) -> Double {
        Double(text.count) * size * 0.6
    }

    /// One decimal, deterministic, no exponent: `12.5`, `300`, `-3.1`.
    static func number(_ value: Double) -> String {
        let bounded = value.isFinite ? Swift.min(1e9, Swift.max(-1e9, value)) : 0
        let tenths = Int((bounded * 10).rounded())
        let sign = tenths < 0 ? "-" : ""
        let magnitude = abs(tenths)
        return magnitude % 10 == 0 ? "\(sign)\(magnitude / 10)" : "\(sign)\(magnitude / 10).\(magnitude % 10)"
    }
}

/// A tiny SVG/XML writer that escapes text and attribute values.
struct SVGText {
    private(set) var text = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    private var depth = 0

    mutating func open(_ name: String, _ attributes: [(String, String)]) {
        text += indent + "<" + name + Self.attributes(attributes) + ">\n"
        depth += 1
    }

    mutating func close(_ name: String) {
        depth -= 1
        text += indent + "</" + name + ">\n"
    }

    mutating func element(_ name: String, _ attributes: [(String, String)] = [], text content: String? = nil) {
        if let content {
            text += indent + "<" + name + Self.attributes(attributes) + ">" + Self.escape(content) + "</" + name + ">\n"
        } else {
            text += indent + "<" + name + Self.attributes(attributes) + "/>\n"
        }
    }

    private var indent: String { String(repeating: " ", count: depth) }

    private static func attributes(_ attributes: [(String, String)]) -> String {
        attributes.map { " \($0.0)=\"\(escape($0.1))\"" }.joined()
    }

    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            // XML 1.0 forbids most control characters, even escaped: drop them.
            case let s where s.value < 0x20 && s != "\t" && s != "\n" && s != "\r": continue
            case let s where s.value == 0xFFFE || s.value == 0xFFFF: continue
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
