/// Something that waits in a lead buffer for its time on the device clock.
public protocol KWPScheduled {
    /// Whether its time has come at `now` (device clock ticks).
    func isDue(at now: UInt64) -> Bool
}

extension KWPSetpoint: KWPScheduled {
    @inline(__always)
    public func isDue(at now: UInt64) -> Bool { kwpIsDue(time, now: now) }
}

/// The device's lead buffer: setpoints that came ahead of their time wait here, in the
/// order received, and leave when the head's time has come (docs/protocol.md 3.3: stamps
/// never decrease, so arrival order is time order; one stamped earlier than the head
/// waits behind it and plays right after it, as a microcontroller's ring would).
///
/// Fixed capacity, allocated once: pushing and popping never allocate. The firmware's
/// `KWPDevice` keeps `KWPSetpoint`s here; the in-process simulator, whose frames never
/// pass through the wire, keeps its own entries in the same buffer.
public final class KWPLeadBuffer<Entry: KWPScheduled> {
    private let storage: UnsafeMutablePointer<Entry>
    public let capacity: Int
    private var head = 0
    public private(set) var count = 0

    public init(capacity: Int) {
        self.capacity = capacity > 0 ? capacity : 1
        storage = UnsafeMutablePointer<Entry>.allocate(capacity: self.capacity)
    }

    deinit {
        removeAll()
        storage.deallocate()
    }

    public var free: Int { capacity - count }
    public var isEmpty: Bool { count == 0 }
    public var first: Entry? { count == 0 ? nil : storage[head] }

    /// False (and nothing stored) when full: the device refuses it.
    @discardableResult
    public func push(_ entry: Entry) -> Bool {
        if count == capacity { return false }
        var index = head + count
        if index >= capacity { index -= capacity }
        (storage + index).initialize(to: entry)
        count += 1
        return true
    }

    /// The head, taken out, when its time has come at `now`; nil otherwise.
    public func popDue(at now: UInt64) -> Entry? {
        guard count > 0, storage[head].isDue(at: now) else { return nil }
        let entry = (storage + head).move()
        head += 1
        if head == capacity { head = 0 }
        count -= 1
        return entry
    }

    /// Empties the buffer (STOP, the watchdog, HELLO).
    public func removeAll() {
        while count > 0 {
            (storage + head).deinitialize(count: 1)
            head += 1
            if head == capacity { head = 0 }
            count -= 1
        }
        head = 0
    }
}
