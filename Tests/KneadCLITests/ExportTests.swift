import KneadCore
import KneadPatternFile
import Testing

/// A frame with everything spelled out, for exact expectations.
func makeFrame(_ time: Double, intensity: Double = 0, x: Double = 0.5, y: Double = 0.5, pressure: Double = 0,
               heat: Double = 0, technique: Technique = .rest, target: Target = .zone(.rhomboids, .left)) -> Frame {
    Frame(time: time, intensity: intensity, x: x, y: y, pressure: pressure, heat: heat, technique: technique,
          target: target, step: 0)
}

func text(of write: (ByteSink) throws -> Void) rethrows -> String {
    let sink = MemorySink()
    try write(sink)
    return sink.text
}

@Suite("Fixed-point numbers")
struct FixedPointTests {
    func formatted(_ value: Double, _ decimals: Int) throws -> String {
        try text { sink in
            let buffer = OutputBuffer(sink: sink)
            try buffer.appendFixed(value, decimals: decimals)
            try buffer.flush()
        }
    }

    @Test func roundsHalfAwayFromZeroAndPadsDecimals() throws {
        #expect(try formatted(0, 4) == "0.0000")
        #expect(try formatted(1, 4) == "1.0000")
        #expect(try formatted(0.25, 4) == "0.2500")
        #expect(try formatted(0.07, 4) == "0.0700")
        #expect(try formatted(12.3456, 4) == "12.3456")
        #expect(try formatted(0.1 * 3, 3) == "0.300")
        #expect(try formatted(899.999, 3) == "899.999")
        #expect(try formatted(0.00125, 3) == "0.001")   // 0.00125 is just below the tie in binary
        #expect(try formatted(2.5, 0) == "3")
        #expect(try formatted(0.0005, 4) == "0.0005")
    }

    @Test func negativeNumbersAndNegativeZero() throws {
        #expect(try formatted(-0.25, 4) == "-0.2500")
        #expect(try formatted(-0.00001, 4) == "0.0000")
        #expect(try formatted(-0.0, 3) == "0.000")
    }

    @Test func nonFiniteValuesStillParseAsNumbers() throws {
        #expect(try formatted(.nan, 4) == "0.0000")
        #expect(try formatted(.infinity, 2) == "1000000000000.00")
        #expect(try formatted(-.infinity, 0) == "-1000000000000")
    }

    @Test func integers() throws {
        let out = try text { sink in
            let buffer = OutputBuffer(sink: sink)
            for n in [0, 7, 10, 1234567890, -42] {
                try buffer.write(reserving: 24) { cursor in
                    cursor.append(integer: n)
                    cursor.append(UInt8(ascii: " "))
                }
            }
            try buffer.flush()
        }
        #expect(out == "0 7 10 1234567890 -42 ")
    }

    @Test func otherDecimalCountsUseTheGeneralPath() throws {
        #expect(try formatted(0.5, 1) == "0.5")
        #expect(try formatted(1.23456, 6) == "1.234560")
        #expect(try formatted(9.99, 1) == "10.0")
    }

    /// Text longer than the buffer's capacity goes through in pieces.
    @Test func textLongerThanTheBufferIsFlushedInPieces() throws {
        let sink = MemorySink()
        let buffer = OutputBuffer(sink: sink, capacity: 256)
        let long = String(repeating: "abcdefghij", count: 100)
        try buffer.append(text: long)
        try buffer.flush()
        #expect(sink.text == long)
    }

    @Test func timeDecimalsFollowTheRate() {
        #expect(ExportFormat.timeDecimals(forRate: 1) == 3)
        #expect(ExportFormat.timeDecimals(forRate: 1000) == 3)
        #expect(ExportFormat.timeDecimals(forRate: 1001) == 4)
        #expect(ExportFormat.timeDecimals(forRate: 2000) == 4)
    }
}

@Suite("CSV export")
struct CSVExportTests {
    @Test func headerAndLinesAreExact() throws {
        let frames = [
            makeFrame(0, intensity: 0, x: 0.44, y: 0.02, pressure: 0, technique: .warmUp, target: .zone(.paraspinal, .both)),
            makeFrame(0.01, intensity: 0.123456, x: 0.44, y: 0.0275, pressure: 0.3, heat: 0.05, technique: .warmUp,
                      target: .zone(.paraspinal, .both)),
            makeFrame(0.02, intensity: 1, x: 0.62, y: 0.9, pressure: 0.75, technique: .triggerPoint,
                      target: .zone(.upperTrapezius, .right)),
        ]
        let csv = try text { try CSVFrameWriter(sink: $0).writeAll(frames) }
        #expect(csv == """
            time,intensity,x,y,pressure,heat,technique,zone
            0.000,0.0000,0.4400,0.0200,0.0000,0.0000,warm-up,paraspinal
            0.010,0.1235,0.4400,0.0275,0.3000,0.0500,warm-up,paraspinal
            0.020,1.0000,0.6200,0.9000,0.7500,0.0000,trigger-point,upper-trapezius-right

            """)
    }

    @Test func aPointZoneIsQuotedBecauseItHoldsAComma() throws {
        let frame = makeFrame(1.5, technique: .triggerPoint, target: .point(BackPoint(x: 0.4, y: 0.62)))
        let csv = try text { try CSVFrameWriter(sink: $0, timeDecimals: 4).writeAll([frame]) }
        #expect(csv.split(separator: "\n").last == "1.5000,0.0000,0.5000,0.5000,0.0000,0.0000,trigger-point,\"point(0.40,0.62)\"")
    }

    @Test func anEmptyStreamStillHasTheHeader() throws {
        let csv = try text { try CSVFrameWriter(sink: $0).writeAll([Frame]()) }
        #expect(csv == CSVFrameWriter.header)
    }

    /// Many frames cross the writer's internal chunk size: nothing is lost or reordered.
    @Test func longStreamsAreWrittenInChunksWithoutLoss() throws {
        let count = 20_000
        let frames = (0..<count).lazy.map { i in
            makeFrame(Double(i) / 1000, intensity: Double(i % 10_001) / 10_000, technique: .vibration,
                      target: .zone(.spine, .both))
        }
        let sink = MemorySink()
        try CSVFrameWriter(sink: sink).writeAll(frames)
        var expected = CSVFrameWriter.header
        for i in 0..<count {
            let level = i % 10_001
            let fraction = String(level % 10_000)
            let time = String(i % 1000)
            expected += "\(i / 1000).\(String(repeating: "0", count: 3 - time.count))\(time),"
                + "\(level / 10_000).\(String(repeating: "0", count: 4 - fraction.count))\(fraction),"
                + "0.5000,0.5000,0.0000,0.0000,vibration,spine\n"
        }
        #expect(sink.text == expected)
    }
}

@Suite("JSON Lines export")
struct JSONLinesExportTests {
    @Test func oneObjectPerFrameInAFixedKeyOrder() throws {
        let frames = [
            makeFrame(0, intensity: 0.2, x: 0.3, y: 0.92, pressure: 0.3, technique: .tapping,
                      target: .zone(.upperTrapezius, .left)),
            makeFrame(0.5, intensity: 0.25, x: 0.5, y: 0.5, technique: .travel, target: .point(BackPoint(x: 0.7, y: 0.92))),
        ]
        let jsonl = try text { try JSONLinesFrameWriter(sink: $0).writeAll(frames) }
        #expect(jsonl == """
            {"time":0.000,"intensity":0.2000,"x":0.3000,"y":0.9200,"pressure":0.3000,"heat":0.0000,"technique":"tapping","zone":"upper-trapezius-left"}
            {"time":0.500,"intensity":0.2500,"x":0.5000,"y":0.5000,"pressure":0.0000,"heat":0.0000,"technique":"travel","zone":"point(0.70,0.92)"}

            """)
    }

    @Test func jsonStringsAreEscaped() {
        #expect(JSONText.quoted("a \"b\"\\\n\u{1}é") == "\"a \\\"b\\\"\\\\\\n\\u0001é\"")
    }
}

@Suite("Funscript export")
struct FunscriptExportTests {
    @Test func filesFollowTheMultiAxisNaming() {
        let expected = ["out/desk.funscript", "out/desk.vib.funscript", "out/desk.sway.funscript", "out/desk.surge.funscript"]
        #expect(FunscriptAxis.paths(base: "out/desk").map(\.path) == expected)
        #expect(FunscriptAxis.paths(base: "out/desk.funscript").map(\.path) == expected)
        #expect(FunscriptAxis.paths(base: "out/desk").map(\.axis) == [.stroke, .vib, .sway, .surge])
    }

    /// A triangle on y (up for 1 s, down for 1 s) sampled at 10 Hz keeps exactly its
    /// three corners; a constant intensity keeps its ends and one action a second.
    @Test func straightRunsCollapseToTheirCorners() throws {
        let frames = (0...20).map { i -> Frame in
            let t = Double(i) / 10
            let y = t <= 1 ? t : 2 - t
            return makeFrame(t, intensity: 0.4, y: y)
        }
        let stroke = MemorySink(), vib = MemorySink()
        let writer = FunscriptWriter(outputs: [(.stroke, stroke), (.vib, vib)], title: "Tri \"angle\"",
                                     description: "test")
        try writer.writeAll(frames)
        #expect(stroke.text == """
            {"version":"1.0","inverted":false,"range":100,
            "actions":[
            {"at":0,"pos":0},
            {"at":1000,"pos":100},
            {"at":2000,"pos":0}
            ],
            "metadata":{"title":"Tri \\"angle\\"","creator":"knead","description":"test","duration":2,"notes":"y position along the back: 0 lower ribs, 100 neck base (TCode L0)"}}

            """)
        #expect(vib.text.contains("\"actions\":[\n{\"at\":0,\"pos\":40},\n{\"at\":1000,\"pos\":40},\n{\"at\":2000,\"pos\":40}\n]"))
    }

    /// A long constant stretch still gets an action at least every `maxGap` seconds.
    @Test func longFlatStretchesGetAnActionEverySecond() throws {
        let frames = (0...50).map { makeFrame(Double($0) / 10, intensity: 0.5) }
        let vib = MemorySink()
        try FunscriptWriter(outputs: [(.vib, vib)], title: "flat").writeAll(frames)
        let times = vib.text.split(separator: "\n").filter { $0.hasPrefix("{\"at\":") }
            .map { $0.dropFirst(6).prefix { $0.isNumber } }.map { Int($0)! }
        #expect(times == [0, 1000, 2000, 3000, 4000, 5000])
    }

    /// At 2 kHz two frames share a millisecond: `at` stays strictly increasing.
    @Test func actionsNeverShareAMillisecond() throws {
        let frames = (0...40).map { i -> Frame in
            // A zigzag every frame: every frame is a corner.
            makeFrame(Double(i) / 2000, y: i % 2 == 0 ? 0.2 : 0.8)
        }
        let stroke = MemorySink()
        try FunscriptWriter(outputs: [(.stroke, stroke)], title: "zigzag").writeAll(frames)
        let times = stroke.text.split(separator: "\n").filter { $0.hasPrefix("{\"at\":") }
            .map { Int($0.dropFirst(6).prefix { $0.isNumber })! }
        #expect(times == Array(0...20))
    }

    @Test func positionsAreWholeNumbersFrom0To100() throws {
        let frames = [makeFrame(0, intensity: 1.7), makeFrame(0.1, intensity: -3), makeFrame(0.2, intensity: 0.333)]
        let vib = MemorySink()
        try FunscriptWriter(outputs: [(.vib, vib)], title: "clamp").writeAll(frames)
        #expect(vib.text.contains("{\"at\":0,\"pos\":100},\n{\"at\":100,\"pos\":0},\n{\"at\":200,\"pos\":33}"))
    }
}
