/// Collects bytes from the wire into frames, decodes COBS in place and checks each packet.
///
/// Never allocates after init and never traps, whatever bytes arrive: noise ends at the
/// next 0x00, a run of more than 255 bytes without one is dropped as `.overflow` once,
/// and everything up to the next 0x00 is discarded.
public final class KWPFrameAssembler {
    public enum Event {
        /// Nothing complete yet (or an empty frame, which is ignored).
        case none
        /// A valid packet, borrowed from the assembler until the next `push`.
        case packet(KWPPacketView)
        /// An intact packet of another protocol version (the byte given); not handled.
        case unsupportedVersion(UInt8)
        /// A frame was dropped; `length` is the number of bytes it had collected.
        case dropped(KWPDropReason, length: Int)
    }

    private let buffer: UnsafeMutableRawBufferPointer
    private var count = 0
    private var discarding = false

    public init() {
        buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: KWP.maxEncodedPacketLength,
                                                        alignment: 8)
        buffer.initializeMemory(as: UInt8.self, repeating: 0)
    }

    deinit { buffer.deallocate() }

    /// Bytes collected towards the next frame.
    public var pendingCount: Int { count }

    public func push(_ byte: UInt8) -> Event {
        if byte != KWP.delimiter {
            if discarding { return .none }
            if count == buffer.count {
                let length = count
                count = 0
                discarding = true
                return .dropped(.overflow, length: length + 1)
            }
            buffer[count] = byte
            count += 1
            return .none
        }
        let length = count
        count = 0
        if discarding {
            discarding = false
            return .none
        }
        if length == 0 { return .none }
        let encoded = UnsafeRawBufferPointer(rebasing: buffer[0..<length])
        guard let decodedLength = COBS.decode(encoded, into: buffer) else {
            return .dropped(.badCOBS, length: length)
        }
        switch KWP.check(packet: UnsafeRawBufferPointer(rebasing: buffer[0..<decodedLength])) {
        case let .valid(view):
            return .packet(view)
        case let .unsupportedVersion(version):
            return .unsupportedVersion(version)
        case let .dropped(reason):
            return .dropped(reason, length: length)
        }
    }

    /// Forgets a partial frame (for instance after the port was reopened).
    public func reset() {
        count = 0
        discarding = false
    }
}
