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
