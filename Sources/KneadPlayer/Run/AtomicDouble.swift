import Synchronization

/// A Double in one atomic word, for a figure written on the engine's thread and read
/// on another.
final class AtomicDouble: Sendable {
    private let bits: Atomic<UInt64>

    init(_ value: Double) { bits = Atomic(value.bitPattern) }

    func store(_ value: Double) {
        bits.store(value.bitPattern, ordering: .releasing)
    }

    func load() -> Double { Double(bitPattern: bits.load(ordering: .acquiring)) }
}

extension Double {
    /// Self when finite, nil otherwise.
    var finite: Double? { isFinite ? self : nil }
}
