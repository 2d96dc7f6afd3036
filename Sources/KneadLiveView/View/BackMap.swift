import KneadCore
import KneadPictures

/// A small picture of the upper back seen from behind — outline, spine, shoulder
/// blades — with the current zone shaded and the current position as a dot.
///
/// Drawn from the same normalized coordinates as the patterns (x 0 left edge … 1 right
/// edge, y 0 lower ribs … 1 neck base), so the dot sits where the frames say. With
/// Unicode the lines are Braille dots (2×4 per character cell), which keeps the curves
/// smooth in a small space; without it, ASCII strokes.
struct BackMap {
    /// Columns and rows. Even widths are widened by one so the spine has a middle column.
    let width: Int
    let height: Int
    let style: TerminalStyle

    init(width: Int, height: Int, style: TerminalStyle) {
        self.width = width | 1
        self.height = height
        self.style = style
    }

    /// What to show on the map.
    struct Marks: Sendable, Equatable {
        /// Where the device is (telemetry), or where it is asked to be.
        var position: BackPoint?
        /// Where the frames ask it to be, drawn when it differs from `position`.
        var requested: BackPoint?
        /// The zone being worked: shaded, and named when there is room.
        var target: Target?
    }

    /// The smallest map that still reads as a back.
    static let minimumWidth = 19
    static let minimumHeight = 8
    /// Wide enough to name the zones on the left side.
    static let labelledWidth = 41

    // The picture spans a little more than the back so the neck and the outline fit.
    private static let xRange = (-0.03, 1.03)
    private static let yRange = (-0.02, 1.14)

    func render(_ marks: Marks) -> [String] {
        var canvas = Canvas(width: width, height: height)
        shade(marks.target, on: &canvas)
        if style.unicode { drawBrailleOutline(on: &canvas) } else { drawASCIIOutline(on: &canvas) }
        if width >= Self.labelledWidth { drawZoneLabels(current: marks.target, on: &canvas) }
        if let requested = marks.requested, let position = marks.position,
           cell(requested) != cell(position) {
            canvas.mark(cell(requested), style.unicode ? "○" : "o", .yellow)
        }
        if let position = marks.position ?? marks.requested {
            canvas.mark(cell(position), style.unicode ? "●" : "@", .boldYellow)
        }
        return canvas.lines(style: style)
    }

    // MARK: - Coordinates

    struct Cell: Equatable {
        var column: Int
        var row: Int
    }

    /// Continuous canvas coordinates (columns, rows from the top) of a back point.
    private func canvasPoint(_ p: BackPoint) -> (column: Double, row: Double) {
        let (x0, x1) = Self.xRange, (y0, y1) = Self.yRange
        return ((p.x - x0) / (x1 - x0) * Double(width), (y1 - p.y) / (y1 - y0) * Double(height))
    }

    /// The cell a point on the back falls in (points off the back are kept on its edge).
    func cell(_ p: BackPoint) -> Cell {
        let point = canvasPoint(BackPoint(x: p.x.unitClamped, y: p.y.unitClamped))
        return Cell(column: min(width - 1, max(0, Int(point.column))),
                    row: min(height - 1, max(0, Int(point.row))))
    }

    private func backPoint(column: Double, row: Double) -> BackPoint {
        let (x0, x1) = Self.xRange, (y0, y1) = Self.yRange
        return BackPoint(x: x0 + column / Double(width) * (x1 - x0), y: y1 - row / Double(height) * (y1 - y0))
    }

    // MARK: - Outline

    /// The left half of the outline; the right half is its mirror image.
    private static let leftOutline: [[BackPoint]] = [
        // Side of the body, round the shoulder, up the neck.
        [BackPoint(x: 0.0, y: 0.0), BackPoint(x: 0.0, y: 0.74), BackPoint(x: 0.015, y: 0.84),
         BackPoint(x: 0.05, y: 0.91), BackPoint(x: 0.12, y: 0.955), BackPoint(x: 0.24, y: 0.98),
         BackPoint(x: 0.34, y: 1.0), BackPoint(x: 0.40, y: 1.03), BackPoint(x: 0.42, y: 1.07),
         BackPoint(x: 0.425, y: 1.14)],
        // Shoulder blade: superior angle, medial border down to the inferior angle,
        // lateral border up to the shoulder joint, superior border back.
        [BackPoint(x: 0.37, y: 0.89), BackPoint(x: 0.35, y: 0.62), BackPoint(x: 0.33, y: 0.47),
         BackPoint(x: 0.22, y: 0.62), BackPoint(x: 0.13, y: 0.79), BackPoint(x: 0.25, y: 0.86),
         BackPoint(x: 0.37, y: 0.89)],
        // Spine of the shoulder blade, out to the acromion.
        [BackPoint(x: 0.36, y: 0.80), BackPoint(x: 0.22, y: 0.83), BackPoint(x: 0.10, y: 0.87)],
    ]

    private static var outlinePolylines: [[BackPoint]] {
        leftOutline + leftOutline.map { $0.map(\.mirrored) }
    }

    /// Braille: each cell is 2 dots wide and 4 high.
    private func drawBrailleOutline(on canvas: inout Canvas) {
        var dots = BrailleCanvas(width: width, height: height)
        func dot(_ p: BackPoint) -> (column: Int, row: Int) {
            let c = canvasPoint(p)
            return (Int((c.column * 2).rounded(.down)), Int((c.row * 4).rounded(.down)))
        }
        for polyline in Self.outlinePolylines {
            for (a, b) in zip(polyline, polyline.dropFirst()) { dots.line(from: dot(a), to: dot(b)) }
        }
        // The spine as a column of vertebrae: every other dot from the lower ribs to the neck.
        let (spineColumn, top) = dot(BackPoint(x: 0.5, y: 1.05))
        let (_, bottom) = dot(BackPoint(x: 0.5, y: 0))
        for row in stride(from: top, through: bottom, by: 2) { dots.set(dotColumn: spineColumn, dotRow: row) }

        for row in 0..<height {
            for column in 0..<width {
                guard let glyph = dots.character(column: column, row: row) else { continue }
                let onSpine = column == width / 2
                canvas.draw(Cell(column: column, row: row), glyph, onSpine ? .dim : nil)
            }
        }
    }

    private func drawASCIIOutline(on canvas: inout Canvas) {
        for polyline in Self.outlinePolylines {
            for (a, b) in zip(polyline, polyline.dropFirst()) {
                let (ac, ar) = canvasPoint(a), (bc, br) = canvasPoint(b)
                let dc = bc - ac, dr = br - ar
                let glyph = asciiGlyph(columns: dc, rows: dr)
                let samples = Int(max(abs(dc), abs(dr)) * 2) + 1
                for i in 0...samples {
                    let t = Double(i) / Double(samples)
                    canvas.draw(Cell(column: Int((ac + dc * t).rounded(.down)), row: Int((ar + dr * t).rounded(.down))),
                                glyph, nil)
                }
            }
        }
        for row in 0..<height where backPoint(column: 0, row: Double(row) + 0.5).y.isBetween(0, 1.05) {
            canvas.draw(Cell(column: width / 2, row: row), ":", .dim)
        }
    }

    /// A character that follows a line's direction (a cell is about twice as tall as wide).
    private func asciiGlyph(columns dc: Double, rows dr: Double) -> Character {
        let slope = abs(dr * 2) / max(abs(dc), 1e-9)
        if slope < 0.45 { return "-" }
        if slope > 2.5 { return "|" }
        // Rows grow downwards: going right and up is "/".
        return (dc > 0) == (dr < 0) ? "/" : "\\"
    }

    // MARK: - Zone

    private func shade(_ target: Target?, on canvas: inout Canvas) {
        guard let target else { return }
        let shadeGlyph: Character = style.unicode ? "·" : "."
        for side in target.sides {
            let region = side.region
            // A point or a line still gets the cells it falls in.
            let halfWidth = max(region.halfWidth, 0.5 / Double(width))
            let halfHeight = max(region.halfHeight, 0.55 / Double(height))
            for row in 0..<height {
                for column in 0..<width {
                    let p = backPoint(column: Double(column) + 0.5, row: Double(row) + 0.5)
                    if abs(p.x - region.center.x) <= halfWidth, abs(p.y - region.center.y) <= halfHeight {
                        canvas.shade(Cell(column: column, row: row), shadeGlyph)
                    }
                }
            }
        }
    }

    /// Short names for the zones, written over the left half of the back.
    static let shortNames: [(Zone, String)] = [
        (.upperTrapezius, "up.trap"), (.supraspinatus, "supra"), (.middleTrapezius, "mid.trap"),
        (.rhomboids, "rhomb"), (.teres, "teres"), (.lowerTrapezius, "low.trap"),
        (.latissimus, "lats"), (.lowerRibs, "ribs"),
    ]

    private func drawZoneLabels(current: Target?, on canvas: inout Canvas) {
        var currentZone: Zone?
        if case let .zone(zone, _)? = current { currentZone = zone }
        for (zone, name) in Self.shortNames {
            let anchor = cell(Anatomy.region(of: zone, side: .left).center)
            let start = Cell(column: anchor.column - name.count / 2, row: anchor.row)
            canvas.label(name, at: start, zone == currentZone ? .boldCyan : .dim)
        }
    }

    // MARK: - Canvas

    private struct Canvas {
        enum Layer: Int, Comparable {
            case empty, shade, line, text, mark
            static func < (a: Layer, b: Layer) -> Bool { a.rawValue < b.rawValue }
        }
        let width: Int
        let height: Int
        var glyphs: [Character]
        var styles: [TerminalStyle.SGR?]
        var layers: [Layer]

        init(width: Int, height: Int) {
            self.width = width
            self.height = height
            glyphs = Array(repeating: " ", count: width * height)
            styles = Array(repeating: nil, count: width * height)
            layers = Array(repeating: .empty, count: width * height)
        }

        private func index(_ cell: Cell) -> Int? {
            guard cell.column >= 0, cell.column < width, cell.row >= 0, cell.row < height else { return nil }
            return cell.row * width + cell.column
        }

        mutating func shade(_ cell: Cell, _ glyph: Character) {
            guard let i = index(cell), layers[i] == .empty else { return }
            glyphs[i] = glyph
            styles[i] = .cyan
            layers[i] = .shade
        }

        /// Outline over shading keeps the shade's colour, so the zone still shows.
        mutating func draw(_ cell: Cell, _ glyph: Character, _ sgr: TerminalStyle.SGR?) {
            guard let i = index(cell), layers[i] <= .line else { return }
            glyphs[i] = glyph
            styles[i] = layers[i] == .shade ? .cyan : sgr
            layers[i] = .line
        }

        mutating func mark(_ cell: Cell, _ glyph: Character, _ sgr: TerminalStyle.SGR) {
            guard let i = index(cell) else { return }
            glyphs[i] = glyph
            styles[i] = sgr
            layers[i] = .mark
        }

        /// Writes a label where it fits on empty or shaded cells, with a free cell either
        /// side so it never runs into a line; skipped where it would not fit.
        mutating func label(_ text: String, at start: Cell, _ sgr: TerminalStyle.SGR) {
            guard start.row >= 0, start.row < height, start.column >= 1,
                  start.column + text.count < width else { return }
            let base = start.row * width
            for column in (start.column - 1)...(start.column + text.count) where layers[base + column] > .shade {
                return
            }
            for (offset, character) in text.enumerated() {
                let i = base + start.column + offset
                glyphs[i] = character
                styles[i] = sgr
                layers[i] = .text
            }
        }

        func lines(style: TerminalStyle) -> [String] {
            (0..<height).map { row in
                var line = "", run = ""
                var runStyle: TerminalStyle.SGR? = nil
                for column in 0..<width {
                    let i = row * width + column
                    if styles[i] != runStyle {
                        line += runStyle.map { style.paint(run, $0) } ?? run
                        run = ""
                        runStyle = styles[i]
                    }
                    run.append(glyphs[i])
                }
                return line + (runStyle.map { style.paint(run, $0) } ?? run)
            }
        }
    }
}

extension Double {
    fileprivate func isBetween(_ low: Double, _ high: Double) -> Bool { self >= low && self <= high }
}
