/// Fixed-capacity FIFO of setpoints: allocated once, never grows.
final class KWPSetpointQueue {
    private let storage: UnsafeMutablePointer<KWPSetpoint>
    let capacity: Int
    private var head = 0
    private(set) var count = 0

    init(capacity: Int) {
        self.capacity = capacity > 0 ? capacity : 1
        storage = UnsafeMutablePointer<KWPSetpoint>.allocate(capacity: self.capacity)
        storage.initialize(repeating: KWPSetpoint(time: 0, values: .zero), count: self.capacity)
    }

    deinit { storage.deallocate() }

    var free: Int { capacity - count }
    var isEmpty: Bool { count == 0 }

    /// False (and nothing stored) when full.
    @discardableResult
    func push(_ setpoint: KWPSetpoint) -> Bool {
        if count == capacity { return false }
        var index = head + count
        if index >= capacity { index -= capacity }
        storage[index] = setpoint
        count += 1
        return true
    }

    var first: KWPSetpoint? { count == 0 ? nil : storage[head] }

    func removeFirst() {
        if count == 0 { return }
        head += 1
        if head == capacity { head = 0 }
        count -= 1
    }

    func removeAll() {
        head = 0
        count = 0
    }
}

/// Fixed-capacity FIFO of bytes for what the device sends.
final class KWPByteQueue {
    private let storage: UnsafeMutableRawBufferPointer
    private var head = 0
    private(set) var count = 0

    init(capacity: Int) {
        storage = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity > 0 ? capacity : 1,
                                                         alignment: 8)
        storage.initializeMemory(as: UInt8.self, repeating: 0)
    }

    deinit { storage.deallocate() }

    var capacity: Int { storage.count }
    var free: Int { storage.count - count }

    /// All or nothing: false when the bytes do not fit.
    func push(_ bytes: UnsafeRawBufferPointer) -> Bool {
        if bytes.count > free { return false }
        var index = head + count
        for byte in bytes {
            if index >= storage.count { index -= storage.count }
            storage[index] = byte
            index += 1
        }
        count += bytes.count
        return true
    }

    func pop() -> UInt8? {
        if count == 0 { return nil }
        let byte = storage[head]
        head += 1
        if head == storage.count { head = 0 }
        count -= 1
        return byte
    }

    func pop(into destination: UnsafeMutableRawBufferPointer) -> Int {
        var written = 0
        while written < destination.count, let byte = pop() {
            destination[written] = byte
            written += 1
        }
        return written
    }
}
