/// A picture in Unicode braille: each character cell holds 2 × 4 dots, so a curve in a
/// terminal is drawn at twice the columns and four times the rows of its text. Dots
/// count from the top left; dots outside the canvas are ignored, so callers can draw
/// shapes that run past the edge.
public struct BrailleCanvas: Sendable, Equatable {
    /// Character cells across and down.
    public let width: Int
    public let height: Int
    /// Braille dot bits of each cell, row by row (Unicode's dot numbering).
    private var cells: [UInt8]

    public init(width: Int, height: Int) {
        self.width = Swift.max(0, width)
        self.height = Swift.max(0, height)
        cells = Array(repeating: 0, count: self.width * self.height)
    }

    public var dotColumns: Int { width * 2 }
    public var dotRows: Int { height * 4 }

    /// Bits by dot row (top to bottom) and dot column (left, right) within a cell: the
    /// braille block numbers its dots 1-2-3 down the left, 4-5-6 down the right, and
    /// added 7 and 8 below them later, hence the jump.
    private static let bitsByDot: [[UInt8]] = [[0x01, 0x08], [0x02, 0x10], [0x04, 0x20], [0x40, 0x80]]

    public mutating func set(dotColumn column: Int, dotRow row: Int) {
        guard column >= 0, column < dotColumns, row >= 0, row < dotRows else { return }
        cells[(row / 4) * width + column / 2] |= Self.bitsByDot[row % 4][column % 2]
    }

    /// A straight line of dots, both ends included.
    public mutating func line(from start: (column: Int, row: Int), to end: (column: Int, row: Int)) {
        let columns = end.column - start.column, rows = end.row - start.row
        let steps = Swift.max(Swift.abs(columns), Swift.abs(rows), 1)
        for step in 0...steps {
            let t = Double(step) / Double(steps)
            set(dotColumn: start.column + Int((Double(columns) * t).rounded()),
                dotRow: start.row + Int((Double(rows) * t).rounded()))
        }
    }

    /// The dot bits of a cell (0: no dot).
    public func bits(column: Int, row: Int) -> UInt8 {
        guard column >= 0, column < width, row >= 0, row < height else { return 0 }
        return cells[row * width + column]
    }

    /// The braille character of a cell, or nil where it has no dot (so a caller can
    /// leave what is under it).
    public func character(column: Int, row: Int) -> Character? {
        let bits = bits(column: column, row: row)
        guard bits != 0 else { return nil }
        return Character(Unicode.Scalar(0x2800 + UInt32(bits))!)
    }

    /// The canvas as text, one string a row, empty cells as spaces.
    public var lines: [String] {
        (0..<height).map { row in
            String((0..<width).map { character(column: $0, row: row) ?? " " })
        }
    }
}
