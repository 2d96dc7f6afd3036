import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import KneadCore
@testable import KneadPictures
import KneadPatternFile
import Testing

/// A two-minute session built by hand: a warm-up, petrissage on the rhomboids, a
/// trigger-point hold, with frames at 10 Hz.
func sampleSession(columns count: Int) -> (PictureSummary, FrameColumns) {
    let summary = PictureSummary(title: "Hand <built> & checked", device: "chair", steps: [
        .init(technique: .warmUp, zone: "paraspinal", start: 0, duration: 40, peakIntensity: 0.2),
        .init(technique: .travel, zone: "rhomboids-left", start: 40, duration: 2, peakIntensity: 0.2),
        .init(technique: .petrissage, zone: "rhomboids-left", start: 42, duration: 48, peakIntensity: 0.5),
        .init(technique: .triggerPoint, zone: "upper-trapezius-left", start: 90, duration: 30, peakIntensity: 0.7),
    ])
    var columns = FrameColumns(count: count, duration: 120)
    for i in 0...1200 {
        let t = Double(i) / 10
        let intensity = t < 40 ? 0.2 * t / 40 : t < 90 ? 0.5 : 0.7 * (120 - t) / 30
        let y = t < 40 ? t / 40 : 0.62
        columns.add(makeFrame(t, intensity: intensity, x: t < 40 ? 0.44 : 0.4, y: y, pressure: t < 90 ? 0.3 : 0.75,
                              technique: .petrissage))
    }
    return (summary, columns)
}

/// Collects element names and text of an XML document; fails on malformed XML.
final class XMLCollector: NSObject, XMLParserDelegate {
    var elements: [String] = []
    var texts: [String] = []
    private var current = ""

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        elements.append(name)
        current = ""
    }
    func parser(_ parser: XMLParser, foundCharacters string: String) { current += string }
    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if name == "text" || name == "title" { texts.append(current) }
        current = ""
    }
}

@Suite("Pictures")
struct PictureTests {
    @Test func svgIsWellFormedAndLabelsTheTechniques() throws {
        let (summary, columns) = sampleSession(columns: SVGPicture.columnCount)
        let svg = SVGPicture.render(summary: summary, columns: columns)
        let parser = XMLParser(data: Data(svg.utf8))
        let collector = XMLCollector()
        parser.delegate = collector
        #expect(parser.parse(), "SVG is not well-formed: \(String(describing: parser.parserError))")
        #expect(collector.elements.first == "svg")
        // The title is escaped and readable, with the played duration.
        #expect(collector.texts.contains("Hand <built> & checked"))
        #expect(collector.texts.contains("2:00 · 3 steps · device chair"))
        // Every technique shows as a band label, and again in the legend.
        for name in ["warm-up", "petrissage", "trigger-point"] {
            #expect(collector.texts.filter { $0 == name }.count == 2, "label \(name)")
        }
        #expect(!collector.texts.contains("travel"))
        // Time axis in minutes: 0:00 … 2:00 every 10 s (12 intervals).
        #expect(collector.texts.contains("0:00") && collector.texts.contains("1:30") && collector.texts.contains("2:00"))
        // Channels drawn and named in the legend.
        #expect(collector.texts.contains("intensity") && collector.texts.contains("pressure"))
        #expect(collector.texts.contains { $0.hasPrefix("x: across the back") })
        #expect(collector.texts.contains { $0.hasPrefix("y: along the back") })
        #expect(collector.elements.filter { $0 == "path" }.count == 5) // intensity area + band, y, x, pressure
    }

    @Test func svgLeavesHeatOutUnlessUsed() {
        let (summary, columns) = sampleSession(columns: SVGPicture.columnCount)
        #expect(!SVGPicture.render(summary: summary, columns: columns).contains(">heat<"))
        var heated = FrameColumns(count: SVGPicture.columnCount, duration: 10)
        heated.add(makeFrame(1, heat: 0.4))
        #expect(SVGPicture.render(summary: summary, columns: heated).contains(">heat<"))
    }

    @Test func svgTicksAreRoundIntervals() {
        #expect(SVGPicture.tickInterval(for: 120) == 10)
        #expect(SVGPicture.tickInterval(for: 12 * 60) == 60)
        #expect(SVGPicture.tickInterval(for: 2 * 3600) == 600)
    }

    @Test func narrowBandsFallBackToShortNames() throws {
        let step = PictureSummary.Step(technique: .triggerPoint, zone: "levator-scapulae-left", start: 0, duration: 15,
                                       peakIntensity: 0.6)
        let wide = try #require(SVGPicture.bandLabel(step, width: 200))
        #expect(wide.technique == "trigger-point" && wide.size == 11)
        #expect(wide.zone == "levator-scapulae-left" && wide.zoneSize == 9)
        let narrow = try #require(SVGPicture.bandLabel(step, width: 58))
        #expect(narrow.technique == "TP" && narrow.size == 10)
        #expect(narrow.zone == "levator L" && narrow.zoneSize == 9)
        #expect(SVGPicture.bandLabel(step, width: 10) == nil)
        var rest = step
        rest.technique = .rest
        #expect(SVGPicture.bandLabel(rest, width: 500) == nil)
        #expect(TechniqueStyle.shortZone("rhomboids") == "rhomb")
        #expect(TechniqueStyle.shortZone("point(0.40,0.62)") == "point(0.40,0.62)")
    }

    @Test func columnsKeepTheRangeOfEachChannel() {
        var columns = FrameColumns(count: 4, duration: 4)
        columns.add(makeFrame(0.0, intensity: 0.2))
        columns.add(makeFrame(0.5, intensity: 0.8))
        columns.add(makeFrame(2.5, intensity: 0.4, y: 0.9))
        columns.add(makeFrame(9.0, intensity: 0.1))  // past the end: last column
        #expect(columns.ranges(of: .intensity) == [ValueRange(low: 0.2, high: 0.8), nil,
                                                    ValueRange(low: 0.4, high: 0.4), ValueRange(low: 0.1, high: 0.1)])
        #expect(columns.range(.y, column: 2) == ValueRange(low: 0.9, high: 0.9))
        #expect(columns.lastTime == 9)
        #expect(!columns.isUsed(.heat))
    }

    @Test func terminalPictureWithoutColourIsPlainText() {
        let picture = TerminalPicture(width: 60, color: false)
        let (summary, columns) = sampleSession(columns: picture.columnCount)
        let text = picture.render(summary: summary, columns: columns)
        #expect(!text.contains("\u{1B}"))
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines[0] == "Hand <built> & checked  2:00 · 3 steps · device chair")
        // Bands: 50 cells for 120 s; each run starts with a bar and the technique's name.
        #expect(lines[1].hasPrefix("technique |warm-up"))
        #expect(lines[1].contains("|petrissage"))
        #expect(lines[1].hasSuffix("|trigger-poi…"))  // 13 cells for 30 s: cut with an ellipsis
        // Every chart row is exactly as wide as asked.
        for line in lines[1...9] { #expect(line.count == 60, "\(line)") }
        #expect(lines[2].hasPrefix("intensity "))
        // The step table.
        #expect(lines.contains(" #    start   length  technique      zone                  intensity"))
        #expect(lines.contains(" 1     0:00     0:40  warm-up        paraspinal                  20%"))
        #expect(lines.contains(" 2     0:42     0:48  petrissage     rhomboids-left              50%"))
        #expect(lines.contains(" 3     1:30     0:30  trigger-point  upper-trapezius-left        70%"))
    }

    @Test func terminalPictureInColourUsesEscapes() {
        let picture = TerminalPicture(width: 80, color: true)
        let (summary, columns) = sampleSession(columns: picture.columnCount)
        let text = picture.render(summary: summary, columns: columns)
        #expect(text.contains("\u{1B}[48;5;\(TechniqueStyle.terminalColor(.warmUp))m"))
        #expect(text.contains("\u{1B}[0m"))
    }
}
