import Foundation
import FuzzSupport
@testable import KneadCore
@testable import KneadPatternFile

/// The exports of a rendered stream, read back: every funscript axis written by
/// FunscriptWriter is JSON that knead's own funscript reader accepts; every JSON Lines
/// line is a JSON object; every CSV row has the header's number of fields.
public enum ExportCheck {
    public static func run(_ frames: [Frame], title: String, description: String?, label: String) {
        guard !frames.isEmpty else { return }
        let sinks = FunscriptAxis.allCases.map { (axis: $0, sink: MemorySink()) }
        let funscript = FunscriptWriter(outputs: sinks.map { ($0.axis, $0.sink as ByteSink) }, title: title,
                                        description: description)
        let jsonSink = MemorySink(), csvSink = MemorySink()
        let jsonLines = JSONLinesFrameWriter(sink: jsonSink, percussion: true)
        let csv = CSVFrameWriter(sink: csvSink, percussion: true)
        do {
            for frame in frames {
                try funscript.write(frame)
                try jsonLines.write(frame)
                try csv.write(frame)
            }
            try funscript.finish()
            try jsonLines.finish()
            try csv.finish()
        } catch {
            fuzzCheck(false, "\(label): export failed: \(error)")
        }
        for (axis, sink) in sinks {
            let data = Data(sink.bytes)
            fuzzCheck((try? JSONSerialization.jsonObject(with: data)) != nil,
                      "\(label): the \(axis) funscript is not JSON:\n\(String(decoding: sink.bytes, as: UTF8.self))")
            if case let .failure(problems) = Funscript.parse(data) {
                fuzzCheck(false, "\(label): knead refuses its own \(axis) funscript: \(problems.messages)")
            }
        }
        for line in jsonSink.bytes.split(separator: UInt8(ascii: "\n")) {
            fuzzCheck((try? JSONSerialization.jsonObject(with: Data(line))) is [String: Any],
                      "\(label): JSON Lines line is not an object: \(String(decoding: line, as: UTF8.self))")
        }
        let rows = csvSink.bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).dropLast()
        if let header = rows.first {
            let fields = separators(header)
            for row in rows where separators(row) != fields {
                fuzzCheck(false, "\(label): CSV row with another number of fields: \(String(decoding: row, as: UTF8.self))")
            }
        }
    }
}

/// Commas outside double quotes (a zone label like "point(0.50,0.50)" is quoted).
func separators(_ row: ArraySlice<UInt8>) -> Int {
    var quoted = false, count = 0
    for byte in row {
        if byte == UInt8(ascii: "\"") { quoted.toggle() } else if byte == UInt8(ascii: ","), !quoted { count += 1 }
    }
    return count
}

final class MemorySink: ByteSink {
    var bytes: [UInt8] = []
    func write(_ bytes: UnsafeRawBufferPointer) throws(ExportError) { self.bytes += bytes }
}
