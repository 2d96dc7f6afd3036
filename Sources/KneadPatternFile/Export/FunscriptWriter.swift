import KneadCore

/// The channels a funscript export writes, one file each, named by the multi-axis
/// convention of the streaming players (`name.funscript` is the stroke axis L0,
/// `name.<alias>.funscript` the others).
public enum FunscriptAxis: String, Sendable, CaseIterable {
    /// y, along the back (0 = lower ribs, 100 = neck base): TCode L0, `name.funscript`.
    case stroke
    /// intensity: TCode V0, `name.vib.funscript`.
    case vib
    /// x, across the back (0 = left edge, 50 = spine, 100 = right edge): TCode L2, `name.sway.funscript`.
    case sway
    /// pressure (the roller pushing into the back): TCode L1, `name.surge.funscript`.
    case surge

    /// The file name suffix before `.funscript`.
    public var suffix: String {
        self == .stroke ? "" : "." + rawValue
    }

    /// What the axis carries, for the file's metadata.
    public var meaning: String {
        switch self {
        case .stroke: return "y position along the back: 0 lower ribs, 100 neck base (TCode L0)"
        case .vib: return "intensity 0-100 % (TCode V0)"
        case .sway: return "x position across the back: 0 left edge, 50 spine, 100 right edge (TCode L2)"
        case .surge: return "pressure 0-100 % (TCode L1)"
        }
    }

    @inline(__always)
    func value(of frame: Frame) -> Double {
        switch self {
        case .stroke: return frame.y
        case .vib: return frame.intensity
        case .sway: return frame.x
        case .surge: return frame.pressure
        }
    }

    /// The file of each axis for an output base name: `out/desk` or `out/desk.funscript`
    /// gives `out/desk.funscript`, `out/desk.vib.funscript`, `out/desk.sway.funscript`,
    /// `out/desk.surge.funscript`.
    public static func paths(base: String) -> [(axis: FunscriptAxis, path: String)] {
        let stem = base.hasSuffix(".funscript") ? String(base.dropLast(".funscript".count)) : base
        return allCases.map { ($0, stem + $0.suffix + ".funscript") }
    }
}

/// Writes one funscript per axis as frames stream by, in constant memory.
///
/// Positions are integers 0–100 and `at` whole milliseconds, as every player expects
/// (a 0–1 scale has driven devices to their end stops). Frames are thinned with a
/// swinging-door simplifier: an action is kept where the curve turns or bends by more
/// than `tolerance` position units from a straight line, and at least every `maxGap`
/// seconds, plus the first and the last frame. Players interpolate linearly between
/// actions, so what they play stays within about one unit of the frames.
public final class FunscriptWriter: FrameWriter {
    public static let defaultTolerance = 0.5
    public static let defaultMaxGap = 1.0

    private final class Track {
        let axis: FunscriptAxis
        let buffer: OutputBuffer
        var door: SwingingDoor
        /// Held back by one so two kept points in the same millisecond become one action.
        var pending: (at: Int, pos: Int)?
        var wroteAction = false

        init(axis: FunscriptAxis, sink: ByteSink, tolerance: Double, maxGap: Double) {
            self.axis = axis
            buffer = OutputBuffer(sink: sink, capacity: 1 << 15)
            door = SwingingDoor(tolerance: tolerance, maxGap: maxGap)
        }
    }

    private let tracks: [Track]
    private let title: String
    private let summary: String?
    private var started = false
    private var lastTime = 0.0

    /// - Parameters:
    ///   - outputs: the sink of each axis to write (usually every case of `FunscriptAxis`).
    ///   - title: the pattern's name, for the metadata.
    ///   - description: the pattern's description, for the metadata.
    public init(outputs: [(axis: FunscriptAxis, sink: ByteSink)], title: String, description: String? = nil,
                tolerance: Double = FunscriptWriter.defaultTolerance,
                maxGap: Double = FunscriptWriter.defaultMaxGap) {
        tracks = outputs.map { Track(axis: $0.axis, sink: $0.sink, tolerance: tolerance, maxGap: maxGap) }
        self.title = title
        summary = description
    }

    public func write(_ frame: Frame) throws(ExportError) {
        if !started { try start() }
        lastTime = frame.time
        for track in tracks {
            let point = SwingingDoor.Point(time: frame.time, value: track.axis.value(of: frame).unitClamped * 100)
            try track.door.add(point) { (kept) throws(ExportError) in try self.keep(kept, on: track) }
        }
    }

    public func finish() throws(ExportError) {
        if !started { try start() }
        for track in tracks {
            try track.door.finish { (kept) throws(ExportError) in try self.keep(kept, on: track) }
            if let pending = track.pending { try emit(pending, on: track) }
            track.pending = nil
            try track.buffer.append(text: "\n],\n\"metadata\":\(metadata(for: track.axis))}\n")
            try track.buffer.flush()
        }
    }

    private func start() throws(ExportError) {
        started = true
        for track in tracks {
            try track.buffer.append(text: "{\"version\":\"1.0\",\"inverted\":false,\"range\":100,\n\"actions\":[")
        }
    }

    private func keep(_ point: SwingingDoor.Point, on track: Track) throws(ExportError) {
        let action = (at: Int((point.time * 1000).rounded()), pos: Int(point.value.rounded()))
        if let pending = track.pending, pending.at != action.at {
            try emit(pending, on: track)
        }
        track.pending = action
    }

    private func emit(_ action: (at: Int, pos: Int), on track: Track) throws(ExportError) {
        let first = !track.wroteAction
        track.wroteAction = true
        try track.buffer.write(reserving: 64) { out in
            if !first { out.append(UInt8(ascii: ",")) }
            out.append(Self.actionStart)
            out.append(integer: Swift.max(0, action.at))
            out.append(Self.actionMiddle)
            out.append(integer: Swift.min(100, Swift.max(0, action.pos)))
            out.append(UInt8(ascii: "}"))
        }
    }

    private func metadata(for axis: FunscriptAxis) -> String {
        var fields = ["\"title\":\(JSONText.quoted(title))", "\"creator\":\"knead\""]
        if let summary { fields.append("\"description\":\(JSONText.quoted(summary))") }
        fields.append("\"duration\":\(Int(lastTime.rounded(.up)))")
        fields.append("\"notes\":\(JSONText.quoted(axis.meaning))")
        return "{" + fields.joined(separator: ",") + "}"
    }

    private static let actionStart = Array("\n{\"at\":".utf8)
    private static let actionMiddle = Array(",\"pos\":".utf8)
}
