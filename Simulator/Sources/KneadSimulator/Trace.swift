import KneadSystem

/// Formats trace rows as csv, with fixed decimals so the output is byte-for-byte
/// deterministic. Columns and units are described in Simulator/README.md.
public final class TraceWriter {
    public static let header =
        "time,set_intensity,set_x,set_y,set_pressure,set_heat,intensity,x,y,pressure,temperature,event"
    /// Decimals of the level columns (intensity, pressure, heat, 0…1).
    static let levelDecimals = 4
    /// The smallest level the trace shows as other than 0.
    static let levelResolution = 0.5e-4

    private let sink: TraceSink
    private var buffer: [UInt8] = []
    private let timeDecimals: Int
    /// The first write error; later rows are dropped (the trace is a side channel and
    /// must never stop the device).
    public private(set) var error: TraceError?
    private static let chunkSize = 64 * 1024

    /// `timeDecimals` defaults to what resolves one tick of a 1 kHz device.
    public init(sink: TraceSink, timeDecimals: Int = 3) {
        self.sink = sink
        self.timeDecimals = timeDecimals
        buffer.reserveCapacity(Self.chunkSize + 256)
        buffer.append(contentsOf: Self.header.utf8)
        buffer.append(UInt8(ascii: "\n"))
    }

    func writeRow(time: Double, state: DeviceState, events: DeviceEvents) {
        guard error == nil else { return }
        // One access to the buffer per row (a class property pays a check per access).
        var out: [UInt8] = []
        swap(&out, &buffer)
        Self.appendFixed(time, decimals: timeDecimals, to: &out)
        let level = Self.levelDecimals
        Self.column(state.setIntensity, level, &out); Self.column(state.setX, 2, &out)
        Self.column(state.setY, 2, &out); Self.column(state.setPressure, level, &out)
        Self.column(state.setHeat, level, &out); Self.column(state.intensity, level, &out)
        Self.column(state.x, 2, &out); Self.column(state.y, 2, &out)
        Self.column(state.pressure, level, &out); Self.column(state.temperature, 2, &out)
        out.append(UInt8(ascii: ","))
        if events.rawValue != 0 { out.append(contentsOf: events.label.utf8) }
        out.append(UInt8(ascii: "\n"))
        swap(&out, &buffer)
        if buffer.count >= Self.chunkSize { drain() }
    }

    /// Writes out what is buffered and closes the sink.
    public func finish() {
        drain()
        do { try sink.finish() } catch { record(error) }
    }

    /// Writes out what is buffered.
    public func flush() { drain() }

    private func drain() {
        guard !buffer.isEmpty, error == nil else { return }
        do { try sink.write(buffer) } catch { record(error) }
        buffer.removeAll(keepingCapacity: true)
    }

    private func record(_ error: any Error) {
        guard self.error == nil else { return }
        // A sink of another kind says nothing more precise than an I/O error.
        self.error = error as? TraceError ?? TraceError(.write, path: nil, code: Errno.EIO)
    }

    private static func column(_ value: Double, _ decimals: Int, _ out: inout [UInt8]) {
        out.append(UInt8(ascii: ","))
        appendFixed(value, decimals: decimals, to: &out)
    }

    private static let powersOfTen: [Double] = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000]

    private static func appendFixed(_ value: Double, decimals: Int, to out: inout [UInt8]) {
        guard value.isFinite, Swift.abs(value) < 1e12 else {
            out.append(contentsOf: "nan".utf8)
            return
        }
        let scale = powersOfTen[decimals]
        let scaled = Int64((Swift.abs(value) * scale).rounded())
        if value < 0 && scaled != 0 { out.append(UInt8(ascii: "-")) }
        let unit = Int64(scale)
        appendDigits(scaled / unit, minimumWidth: 1, to: &out)
        if decimals > 0 {
            out.append(UInt8(ascii: "."))
            appendDigits(scaled % unit, minimumWidth: decimals, to: &out)
        }
    }

    private static func appendDigits(_ number: Int64, minimumWidth: Int, to out: inout [UInt8]) {
        let begin = out.count
        var rest = number
        repeat {
            out.append(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest % 10))
            rest /= 10
        } while rest > 0
        while out.count - begin < minimumWidth { out.append(UInt8(ascii: "0")) }
        // Digits went in least significant first.
        var low = begin, high = out.count - 1
        while low < high {
            out.swapAt(low, high)
            low += 1
            high -= 1
        }
    }
}
