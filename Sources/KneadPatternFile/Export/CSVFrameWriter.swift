import KneadCore

/// Frames as CSV: the header `time,intensity,x,y,pressure,heat,technique,zone`, then one
/// line per frame. Time in seconds with `ExportFormat.timeDecimals(forRate:)` decimals,
/// channel values 0…1 with four decimals, lines end with `\n`. A field that contains a
/// comma (an explicit point such as `point(0.40,0.62)`) is quoted as RFC 4180 says.
public final class CSVFrameWriter: FrameWriter {
    public static let header = "time,intensity,x,y,pressure,heat,technique,zone\n"

    private let buffer: OutputBuffer
    private let timeDecimals: Int
    // One writer serves one stream on one thread: no dynamic exclusivity checks per frame.
    @exclusivity(unchecked) private var labels = LabelCache(encode: CSVFrameWriter.encodeLabels)
    @exclusivity(unchecked) private var wroteHeader = false

    public init(sink: ByteSink, timeDecimals: Int = 3) {
        buffer = OutputBuffer(sink: sink)
        self.timeDecimals = Swift.min(6, Swift.max(0, timeDecimals))
    }

    public func write(_ frame: Frame) throws(ExportError) {
        if !wroteHeader { try writeHeader() }
        let label = labels.bytes(for: frame)
        let timeDecimals = timeDecimals
        try buffer.write(reserving: 6 * OutputBuffer.maxFixedLength + 8 + label.count) { out in
            // Spelled out, not looped over an array: no allocation per frame.
            let decimals = ExportFormat.valueDecimals
            out.appendFixed(frame.time, decimals: timeDecimals)
            out.append(UInt8(ascii: ",")); out.appendFixed(frame.intensity, decimals: decimals)
            out.append(UInt8(ascii: ",")); out.appendFixed(frame.x, decimals: decimals)
            out.append(UInt8(ascii: ",")); out.appendFixed(frame.y, decimals: decimals)
            out.append(UInt8(ascii: ",")); out.appendFixed(frame.pressure, decimals: decimals)
            out.append(UInt8(ascii: ",")); out.appendFixed(frame.heat, decimals: decimals)
            out.append(label)
        }
    }

    public func finish() throws(ExportError) {
        if !wroteHeader { try writeHeader() }
        try buffer.flush()
    }

    private func writeHeader() throws(ExportError) {
        wroteHeader = true
        try buffer.append(text: Self.header)
    }

    /// `,technique,zone\n`, the zone quoted when it holds a comma or a quote.
    static func encodeLabels(_ technique: Technique, _ target: Target) -> [UInt8] {
        ",\(csvField(technique.rawValue)),\(csvField(target.name))\n".utf8.map { $0 }
    }

    static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else {
            return text
        }
        var quoted = "\""
        for character in text {
            quoted.append(character)
            if character == "\"" { quoted.append("\"") }
        }
        return quoted + "\""
    }
}
