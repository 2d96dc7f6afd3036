import KneadCore

/// Frames as CSV: the header `time,intensity,x,y,pressure,heat,technique,zone`, then one
/// line per frame. Time in seconds with `ExportFormat.timeDecimals(forRate:)` decimals,
/// channel values 0…1 with four decimals, lines end with `\n`. A field that contains a
/// comma (an explicit point such as `point(0.40,0.62)`) is quoted as RFC 4180 says.
/// For a device that taps by itself (`percussion`), two columns come last:
/// `percussion_rate` (Hz, 0: none) and `percussion_depth` (0…1).
public final class CSVFrameWriter: FrameWriter {
    public static let header = "time,intensity,x,y,pressure,heat,technique,zone\n"
    public static let percussionHeader = "time,intensity,x,y,pressure,heat,technique,zone,percussion_rate,percussion_depth\n"

    private let buffer: OutputBuffer
    private let timeDecimals: Int
    // One writer serves one stream on one thread: no dynamic exclusivity checks per frame.
    @exclusivity(unchecked) private var labels = LabelCache(encode: CSVFrameWriter.encodeLabels)
    @exclusivity(unchecked) private var wroteHeader = false
    private let percussion: Bool

    public init(sink: ByteSink, timeDecimals: Int = 3, percussion: Bool = false) {
        buffer = OutputBuffer(sink: sink)
        self.timeDecimals = Swift.min(6, Swift.max(0, timeDecimals))
        self.percussion = percussion
    }

    public func write(_ frame: Frame) throws(ExportError) {
        if !wroteHeader { try writeHeader() }
        let label = labels.bytes(for: frame)
        let timeDecimals = timeDecimals
        let percussion = percussion
        try buffer.write(reserving: 8 * OutputBuffer.maxFixedLength + 10 + label.count) { out in
            // Spelled out, not looped over an array: no allocation per frame.
            let decimals = ExportFormat.valueDecimals
            out.appendFixed(frame.time, decimals: timeDecimals)
            out.append(UInt8(ascii: ",")); out.appendFixed(frame.intensity, decimals: decimals)
            out.append(UInt8(ascii: ",")); out.appendFixed(frame.x, decimals: decimals)
            out.append(UInt8(ascii: ",")); out.appendFixed(frame.y, decimals: decimals)
            out.append(UInt8(ascii: ",")); out.appendFixed(frame.pressure, decimals: decimals)
            out.append(UInt8(ascii: ",")); out.appendFixed(frame.heat, decimals: decimals)
            if percussion {
                // The labels end the line; the two columns go after them.
                for byte in label.dropLast() { out.append(byte) }
                out.append(UInt8(ascii: ",")); out.appendFixed(frame.percussionRate, decimals: 2)
                out.append(UInt8(ascii: ",")); out.appendFixed(frame.percussionDepth, decimals: decimals)
                out.append(UInt8(ascii: "\n"))
            } else {
                out.append(label)
            }
        }
    }

    public func finish() throws(ExportError) {
        if !wroteHeader { try writeHeader() }
        try buffer.flush()
    }

    private func writeHeader() throws(ExportError) {
        wroteHeader = true
        try buffer.append(text: percussion ? Self.percussionHeader : Self.header)
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
