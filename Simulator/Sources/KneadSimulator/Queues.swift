/// A first-in first-out queue over an array with a moving head: O(1) amortized, and
/// its storage is reused, so a steady stream does not allocate.
struct FIFO<Element> {
    private var storage: [Element] = []
    private var head = 0

    var isEmpty: Bool { head == storage.count }
    var count: Int { storage.count - head }
    var first: Element? { isEmpty ? nil : storage[head] }

    mutating func append(_ element: Element) {
        if head > 0 && head == storage.count {
            storage.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 1024 && head * 2 >= storage.count {
            storage.removeFirst(head)
            head = 0
        }
        storage.append(element)
    }

    mutating func removeFirst() -> Element {
        let element = storage[head]
        head += 1
        return element
    }

    mutating func removeAll() {
        storage.removeAll(keepingCapacity: true)
        head = 0
    }
}

/// The device's lead buffer: setpoints waiting for their due tick, kept in due order,
/// with a fixed capacity as a microcontroller's would have.
struct LeadBuffer {
    struct Entry {
        var dueTick: Int64
        var due: Double
        var setpoint: DeviceSetpoint
    }
    let capacity: Int
    private var entries = FIFO<Entry>()
    private var sortedScratch: [Entry] = []

    init(capacity: Int) { self.capacity = Swift.max(1, capacity) }

    var count: Int { entries.count }
    var freeSlots: Int { capacity - entries.count }
    var first: Entry? { entries.first }

    /// False when full (the device refuses the frame).
    mutating func insert(_ entry: Entry) -> Bool {
        guard entries.count < capacity else { return false }
        if let last = lastDueTick, entry.dueTick < last {
            insertOutOfOrder(entry)
        } else {
            entries.append(entry)
            lastDueTick = entry.dueTick
        }
        return true
    }

    mutating func removeFirst() -> Entry {
        let entry = entries.removeFirst()
        if entries.isEmpty { lastDueTick = nil }
        return entry
    }

    mutating func removeAll() {
        entries.removeAll()
        lastDueTick = nil
    }

    private var lastDueTick: Int64?

    /// Rare (hosts stream in order): rebuilds the queue with the entry in its place;
    /// equal due ticks keep their arrival order.
    private mutating func insertOutOfOrder(_ entry: Entry) {
        sortedScratch.removeAll(keepingCapacity: true)
        var placed = false
        while !entries.isEmpty {
            let next = entries.removeFirst()
            if !placed && entry.dueTick < next.dueTick {
                sortedScratch.append(entry)
                placed = true
            }
            sortedScratch.append(next)
        }
        if !placed { sortedScratch.append(entry) }
        for item in sortedScratch { entries.append(item) }
        lastDueTick = sortedScratch.last?.dueTick
    }
}
