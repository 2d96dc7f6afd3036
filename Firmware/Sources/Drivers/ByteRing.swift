import Synchronization

/// A fixed-size ring of bytes between one producer and one consumer that may interrupt
/// each other (an interrupt handler and the main loop). Allocated once, at start-up;
/// pushing and popping never allocate and never block.
///
/// Only the producer moves `head` and only the consumer moves `tail`; each publishes
/// its index with release ordering after touching the bytes, and reads the other's
/// with acquire ordering, so a byte is never read before it is written or overwritten
/// before it is read.
final class ByteRing {
    private let storage: UnsafeMutablePointer<UInt8>
    private let mask: UInt32
    private let head = Atomic<UInt32>(0)  // next slot to write; free-running
    private let tail = Atomic<UInt32>(0)  // next slot to read; free-running

    /// `capacity` must be a power of two.
    init(capacity: Int) {
        precondition(capacity > 0 && capacity & (capacity - 1) == 0)
        storage = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
        storage.initialize(repeating: 0, count: capacity)
        mask = UInt32(capacity - 1)
    }

    var capacity: Int { Int(mask) + 1 }

    var count: Int {
        Int(head.load(ordering: .acquiring) &- tail.load(ordering: .acquiring))
    }

    var isEmpty: Bool { count == 0 }
    var free: Int { capacity - count }

    // MARK: Producer side

    /// False (and nothing stored) when the ring is full.
    @discardableResult
    func push(_ byte: UInt8) -> Bool {
        let h = head.load(ordering: .relaxed)
        if h &- tail.load(ordering: .acquiring) > mask { return false }
        storage[Int(h & mask)] = byte
        head.store(h &+ 1, ordering: .releasing)
        return true
    }

    // MARK: Consumer side

    func pop() -> UInt8? {
        let t = tail.load(ordering: .relaxed)
        if head.load(ordering: .acquiring) == t { return nil }
        let byte = storage[Int(t & mask)]
        tail.store(t &+ 1, ordering: .releasing)
        return byte
    }
}
