import KneadCore
@testable import KneadLiveView
@testable import KneadPlayer
import Testing

/// The live view as a pure function of a play's status and the terminal's size, and the
/// keys as the terminal sends them.
@Suite struct LiveViewTests {
    func status(phase: PlayStatus.Phase = .playing, elapsed: Double = 95, position: BackPoint = BackPoint(x: 0.3, y: 0.6))
        -> PlayStatus {
        PlayStatus(patternName: "Desk reset", deviceName: "chair", simulated: true, timeScale: 20, phase: phase,
                   elapsed: elapsed, duration: 776, step: nil, stepCount: 11, technique: .petrissage,
                   target: .zone(.rhomboids, .left),
                   requested: .init(intensity: 0.5, pressure: 0.4, position: position), actual: nil,
                   personCap: 0.8, hasPressure: true, hasPosition: true)
    }

    @Test(arguments: [(100, 30), (60, 20), (30, 12), (20, 5), (200, 60)])
    func linesFitTheTerminal(columns: Int, rows: Int) {
        let view = LiveView(style: .plain, columns: columns, rows: rows)
        let lines = view.render(status())
        #expect(lines.count <= rows)
        for line in lines { #expect(line.count <= max(20, columns), "\(line.count): \(line)") }
        #expect(lines.first?.contains("Desk reset") == true)
    }

    @Test func theHeaderTimesAndPhaseSayWhereThePlayIs() {
        let lines = LiveView(style: .plain, columns: 100, rows: 30).render(status())
        #expect(lines[0].hasPrefix(" knead ▸ Desk reset"))
        #expect(lines[0].hasSuffix("chair (simulator) ×20"))
        #expect(lines[2].hasPrefix(" 1:35 played"))
        #expect(lines[2].hasSuffix("11:21 left of 12:56"))
        #expect(lines.contains { $0.contains("your cap") && $0.contains("80%") })
        #expect(lines.contains { $0.contains("playing") })
        #expect(lines.last == " space pause · + / - cap ±10% · q stop")
        let paused = LiveView(style: .plain, columns: 100, rows: 30).render(status(phase: .paused))
        #expect(paused.contains { $0.contains("paused: space resumes") })
        #expect(paused.last == " space resume · + / - cap ±10% · q stop")
    }

    @Test func withoutKeysTheFooterSaysCtrlCStops() {
        let lines = LiveView(style: .plain, columns: 100, rows: 30, keysRead: false).render(status())
        #expect(lines.last?.contains("Ctrl-C stops") == true)
    }

    @Test func theMapPutsTheDotWhereTheFramesSay() {
        let map = BackMap(width: 41, height: 16, style: TerminalStyle(colour: false, unicode: true))
        let left = map.render(BackMap.Marks(position: BackPoint(x: 0.2, y: 0.5), requested: nil, target: nil))
        let right = map.render(BackMap.Marks(position: BackPoint(x: 0.8, y: 0.5), requested: nil, target: nil))
        let cellLeft = map.cell(BackPoint(x: 0.2, y: 0.5)), cellRight = map.cell(BackPoint(x: 0.8, y: 0.5))
        #expect(cellLeft.row == cellRight.row)
        #expect(cellLeft.column < map.width / 2 && cellRight.column > map.width / 2)
        #expect(left != right)
        #expect(left.count == 16)
        // The outline is braille, and the spine runs down the middle column.
        #expect(left.joined().unicodeScalars.contains { (0x2801...0x28FF).contains($0.value) })
    }

    @Test func keysAreDecodedAsTheTerminalSendsThem() {
        #expect(PlayKey.decode(Array(" +-q".utf8)) == [.togglePause, .capUp, .capDown, .quit(.quitKey)])
        // Arrows are whole escape sequences, not an Esc that stops.
        #expect(PlayKey.decode([0x1B, 0x5B, 0x41, 0x1B, 0x5B, 0x42]) == [.capUp, .capDown])
        #expect(PlayKey.decode([0x1B]) == [.quit(.escapeKey)])
        #expect(PlayKey.decode([0x1B, 0x5B, 0x31, 0x35, 0x7E]) == [])  // F5: ignored
        #expect(PlayKey.decode([0x03]) == [.quit(.controlC)])
    }

    @Test func noColourMeansNoEscapes() {
        #expect(TerminalStyle.from(environment: ["NO_COLOR": "1", "TERM": "xterm"]).colour == false)
        #expect(TerminalStyle.from(environment: ["TERM": "dumb"]).colour == false)
        #expect(TerminalStyle.from(environment: ["TERM": "xterm", "LANG": "C"]).unicode == false)
        #expect(TerminalStyle.from(environment: ["TERM": "xterm", "LANG": "en_US.UTF-8"]) ==
                TerminalStyle(colour: true, unicode: true))
    }

    @Test func colourTakesNoRoomWhenLinesAreCut() {
        #expect(LiveView.clipVisible("abcdef", 4) == "abcd")
        #expect(LiveView.clipVisible("\u{1B}[1mabc\u{1B}[0mdef", 4) == "\u{1B}[1mabc\u{1B}[0md\u{1B}[0m")
        #expect(LiveView.clipVisible("\u{1B}[1mab\u{1B}[0m", 4) == "\u{1B}[1mab\u{1B}[0m")
        let coloured = LiveView(style: TerminalStyle(colour: true, unicode: true), columns: 30, rows: 12).render(status())
        for line in coloured {
            let visible = line.replacing(/\u{1B}\[[0-9;]*[@-~]/, with: "")
            #expect(visible.count <= 30, "\(visible)")
        }
    }
}
