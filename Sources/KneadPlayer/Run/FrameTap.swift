import KneadCore
import Synchronization

/// The last frame that went by, published from the engine's thread to the live view
/// without locks or allocation: each field is an atomic, and a sequence number around
/// each write lets the reader take a consistent copy (a seqlock with one writer).
final class FrameTap: Sendable {
    private let sequence = Atomic<UInt64>(0)
    private let time = Atomic<UInt64>(0)
    private let intensity = Atomic<UInt64>(0)
    private let pressure = Atomic<UInt64>(0)
    private let x = Atomic<UInt64>(BackPoint.restPosition.x.bitPattern)
    private let y = Atomic<UInt64>(BackPoint.restPosition.y.bitPattern)
    /// Step index (low 32 bits, as UInt32), technique and target packed by `FrameLabel`.
    private let label = Atomic<UInt64>(FrameLabel.none)
    private let count = Atomic<Int>(0)

    /// Writer side: one thread only (the engine's).
    func publish(_ frame: Frame) {
        let start = sequence.load(ordering: .relaxed) &+ 1
        sequence.store(start, ordering: .relaxed)  // odd: a write is under way
        atomicMemoryFence(ordering: .releasing)
        time.store(frame.time.bitPattern, ordering: .relaxed)
        intensity.store(frame.intensity.bitPattern, ordering: .relaxed)
        pressure.store(frame.pressure.bitPattern, ordering: .relaxed)
        x.store(frame.x.bitPattern, ordering: .relaxed)
        y.store(frame.y.bitPattern, ordering: .relaxed)
        label.store(FrameLabel.pack(frame), ordering: .relaxed)
        count.add(1, ordering: .relaxed)
        sequence.store(start &+ 1, ordering: .releasing)
    }

    struct Snapshot: Sendable, Equatable {
        var time: Double
        var intensity: Double
        var pressure: Double
        var position: BackPoint
        var step: Int
        var technique: Technique
        var target: Target
        /// Frames published so far.
        var count: Int
    }

    /// The last published frame, or nil before the first. Any thread.
    func snapshot() -> Snapshot? {
        for _ in 0..<64 {
            let before = sequence.load(ordering: .acquiring)
            guard before & 1 == 0 else { continue }
            let count = self.count.load(ordering: .relaxed)
            guard count > 0 else { return nil }
            let snapshot = Snapshot(
                time: Double(bitPattern: time.load(ordering: .relaxed)),
                intensity: Double(bitPattern: intensity.load(ordering: .relaxed)),
                pressure: Double(bitPattern: pressure.load(ordering: .relaxed)),
                position: BackPoint(x: Double(bitPattern: x.load(ordering: .relaxed)),
                                    y: Double(bitPattern: y.load(ordering: .relaxed))),
                step: 0, technique: .rest, target: .point(.restPosition), count: count)
            let packed = label.load(ordering: .relaxed)
            atomicMemoryFence(ordering: .acquiring)
            guard sequence.load(ordering: .relaxed) == before else { continue }
            return FrameLabel.unpack(packed, into: snapshot)
        }
        return nil  // the writer kept writing; the caller shows the previous snapshot
    }
}

/// A frame's step, technique and target in 64 bits, so they fit in one atomic.
/// Layout: step + 1 (32 bits) | technique index (8) | target kind (2) | zone (8) | side (2).
/// A point target is not packed: the view shows the position itself.
enum FrameLabel {
    static let none: UInt64 = 0

    static func pack(_ frame: Frame) -> UInt64 {
        let step = UInt64(UInt32(truncatingIfNeeded: Int64(frame.step) + 1))
        let technique = UInt64(Technique.allCases.firstIndex(of: frame.technique) ?? 0)
        var kind: UInt64 = 0, zone: UInt64 = 0, side: UInt64 = 0
        if case let .zone(z, s) = frame.target {
            kind = 1
            zone = UInt64(Zone.allCases.firstIndex(of: z) ?? 0)
            side = UInt64(Side.allCases.firstIndex(of: s) ?? 0)
        }
        return step | technique << 32 | kind << 40 | zone << 42 | side << 50
    }

    static func unpack(_ packed: UInt64, into snapshot: FrameTap.Snapshot) -> FrameTap.Snapshot {
        var result = snapshot
        result.step = Int(UInt32(truncatingIfNeeded: packed)) - 1
        let techniques = Technique.allCases
        let techniqueIndex = Int((packed >> 32) & 0xFF)
        result.technique = techniqueIndex < techniques.count ? techniques[techniqueIndex] : .rest
        if (packed >> 40) & 0x3 == 1 {
            let zones = Zone.allCases, sides = Side.allCases
            let zoneIndex = Int((packed >> 42) & 0xFF), sideIndex = Int((packed >> 50) & 0x3)
            if zoneIndex < zones.count, sideIndex < sides.count {
                result.target = .zone(zones[zoneIndex], sides[sideIndex])
            }
        } else {
            result.target = .point(snapshot.position)
        }
        return result
    }
}

/// A frame sequence that publishes each frame to a tap as it is taken.
struct TappedFrames<Base: Sequence>: Sequence where Base.Element == Frame {
    let base: Base
    let tap: FrameTap

    func makeIterator() -> Iterator { Iterator(base: base.makeIterator(), tap: tap) }

    struct Iterator: IteratorProtocol {
        var base: Base.Iterator
        let tap: FrameTap
        mutating func next() -> Frame? {
            guard let frame = base.next() else { return nil }
            tap.publish(frame)
            return frame
        }
    }
}

/// Safe frames, each published to a tap as the engine takes it.
struct TappedSafeFrames<Base: IteratorProtocol>: IteratorProtocol where Base.Element == SafeFrame {
    var base: Base
    let tap: FrameTap
    mutating func next() -> SafeFrame? {
        guard let safe = base.next() else { return nil }
        tap.publish(safe.frame)
        return safe
    }
}
