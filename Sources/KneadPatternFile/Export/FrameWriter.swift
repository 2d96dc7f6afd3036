import KneadCore

/// Turns a stream of frames into bytes, one frame at a time, in constant memory.
///
/// Writers take plain `Frame`s so they can be tested on hand-built values; the
/// command line only ever gives them frames that passed the safety envelope.
public protocol FrameWriter: AnyObject {
    func write(_ frame: Frame) throws(ExportError)
    /// Writes whatever closes the output and flushes it to the sink.
    func finish() throws(ExportError)
}

extension FrameWriter {
    /// Writes every frame of a sequence, then finishes.
    public func writeAll<S: Sequence>(_ frames: S) throws(ExportError) where S.Element == Frame {
        for frame in frames { try write(frame) }
        try finish()
    }
}

/// Number formats shared by the text exporters.
public enum ExportFormat {
    /// Decimals of channel values (intensity, x, y, pressure, heat): 0.0001 of full scale,
    /// finer than any device channel (the chair's 1024 position steps).
    /// (A computed constant, so formatting code specialises on it.)
    @inlinable public static var valueDecimals: Int { 4 }

    /// Decimals of the time column: milliseconds up to 1 kHz, a tenth of a millisecond
    /// above, so every frame's time is distinct and exact at 1 kHz and 2 kHz.
    public static func timeDecimals(forRate rate: Double) -> Int {
        rate <= 1000 ? 3 : 4
    }
}

/// Remembers the encoded technique and zone of the last frame: consecutive frames
/// almost always share them, so names are encoded once per step, not once per frame.
struct LabelCache {
    private var technique: Technique?
    private var target: Target?
    private(set) var bytes: [UInt8] = []
    private let encode: (Technique, Target) -> [UInt8]

    init(encode: @escaping (Technique, Target) -> [UInt8]) {
        self.encode = encode
    }

    @inline(__always)
    mutating func bytes(for frame: Frame) -> [UInt8] {
        if frame.technique != technique || frame.target != target {
            technique = frame.technique
            target = frame.target
            bytes = encode(frame.technique, frame.target)
        }
        return bytes
    }
}
