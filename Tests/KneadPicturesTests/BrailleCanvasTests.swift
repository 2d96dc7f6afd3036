import KneadPictures
import Testing

@Suite("Braille canvas")
struct BrailleCanvasTests {
    @Test func anEmptyCanvasIsSpaces() {
        let canvas = BrailleCanvas(width: 3, height: 2)
        #expect(canvas.lines == ["   ", "   "])
        #expect(canvas.dotColumns == 6)
        #expect(canvas.dotRows == 8)
        #expect(canvas.character(column: 0, row: 0) == nil)
    }

    @Test func eachDotHasItsUnicodeBit() {
        // Dots 1-2-3-7 down the left column, 4-5-6-8 down the right.
        let expected: [[UInt8]] = [[0x01, 0x08], [0x02, 0x10], [0x04, 0x20], [0x40, 0x80]]
        for row in 0..<4 {
            for column in 0..<2 {
                var canvas = BrailleCanvas(width: 1, height: 1)
                canvas.set(dotColumn: column, dotRow: row)
                #expect(canvas.bits(column: 0, row: 0) == expected[row][column])
            }
        }
    }

    @Test func aFullCellIsTheFullBrailleBlock() {
        var canvas = BrailleCanvas(width: 1, height: 1)
        for row in 0..<4 { for column in 0..<2 { canvas.set(dotColumn: column, dotRow: row) } }
        #expect(canvas.lines == ["⣿"])
    }

    @Test func dotsOutsideTheCanvasAreIgnored() {
        var canvas = BrailleCanvas(width: 2, height: 1)
        canvas.set(dotColumn: -1, dotRow: 0)
        canvas.set(dotColumn: 4, dotRow: 0)
        canvas.set(dotColumn: 0, dotRow: 4)
        canvas.set(dotColumn: 0, dotRow: -1)
        #expect(canvas.lines == ["  "])
        #expect(canvas.bits(column: 5, row: 5) == 0)
    }

    @Test func aLineSetsEveryDotBetweenItsEnds() {
        var horizontal = BrailleCanvas(width: 2, height: 1)
        horizontal.line(from: (0, 0), to: (3, 0))
        #expect(horizontal.lines == ["⠉⠉"])

        var diagonal = BrailleCanvas(width: 2, height: 1)
        diagonal.line(from: (0, 0), to: (3, 3))
        // (0,0) (1,1) in the first cell, (2,2) (3,3) in the second.
        #expect(diagonal.bits(column: 0, row: 0) == 0x01 | 0x10)
        #expect(diagonal.bits(column: 1, row: 0) == 0x04 | 0x80)
        #expect(diagonal.lines == ["⠑⢄"])

        var vertical = BrailleCanvas(width: 1, height: 2)
        vertical.line(from: (1, 7), to: (1, 0))
        #expect(vertical.lines == ["⢸", "⢸"])
    }

    @Test func aSinglePointLineIsOneDot() {
        var canvas = BrailleCanvas(width: 1, height: 1)
        canvas.line(from: (1, 2), to: (1, 2))
        #expect(canvas.bits(column: 0, row: 0) == 0x20)
        #expect(canvas.character(column: 0, row: 0) == "⠠")
    }
}
