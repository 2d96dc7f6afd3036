import KneadCore

/// Frames as JSON Lines: one object per frame with the same fields and number formats
/// as the CSV export, keys always in this order:
/// `{"time":1.250,"intensity":0.4000,"x":0.4400,"y":0.3125,"pressure":0.3000,"heat":0.0000,"technique":"effleurage","zone":"paraspinal-left"}`
/// For a device that taps by itself (`percussion`), `"percussion_rate"` (Hz, 0: none)
/// and `"percussion_depth"` (0…1) come after `"heat"`, as in the CSV.
public final class JSONLinesFrameWriter: FrameWriter {
    private let buffer: OutputBuffer
    private let timeDecimals: Int
    // One writer serves one stream on one thread: no dynamic exclusivity checks per frame.
    @exclusivity(unchecked) private var labels = LabelCache(encode: JSONLinesFrameWriter.encodeLabels)

    private static let keys: [[UInt8]] = [
        "{\"time\":", ",\"intensity\":", ",\"x\":", ",\"y\":", ",\"pressure\":", ",\"heat\":",
        ",\"percussion_rate\":", ",\"percussion_depth\":",
    ].map { Array($0.utf8) }
    private let percussion: Bool

    public init(sink: ByteSink, timeDecimals: Int = 3, percussion: Bool = false) {
        buffer = OutputBuffer(sink: sink)
        self.timeDecimals = Swift.min(6, Swift.max(0, timeDecimals))
        self.percussion = percussion
    }

    public func write(_ frame: Frame) throws(ExportError) {
        let label = labels.bytes(for: frame)
        let keys = Self.keys, timeDecimals = timeDecimals, percussion = percussion
        try buffer.write(reserving: 8 * OutputBuffer.maxFixedLength + 120 + label.count) { out in
            let decimals = ExportFormat.valueDecimals
            out.append(keys[0]); out.appendFixed(frame.time, decimals: timeDecimals)
            out.append(keys[1]); out.appendFixed(frame.intensity, decimals: decimals)
            out.append(keys[2]); out.appendFixed(frame.x, decimals: decimals)
            out.append(keys[3]); out.appendFixed(frame.y, decimals: decimals)
            out.append(keys[4]); out.appendFixed(frame.pressure, decimals: decimals)
            out.append(keys[5]); out.appendFixed(frame.heat, decimals: decimals)
            if percussion {
                out.append(keys[6]); out.appendFixed(frame.percussionRate, decimals: 2)
                out.append(keys[7]); out.appendFixed(frame.percussionDepth, decimals: decimals)
            }
            out.append(label)
        }
    }

    public func finish() throws(ExportError) {
        try buffer.flush()
    }

    static func encodeLabels(_ technique: Technique, _ target: Target) -> [UInt8] {
        Array(",\"technique\":\(JSONText.quoted(technique.rawValue)),\"zone\":\(JSONText.quoted(target.name))}\n".utf8)
    }
}

/// JSON string quoting for the hand-written exporters.
public enum JSONText {
    public static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case let s where s.value < 0x20:
                let hex = String(s.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
