/// CRC-16/CCITT-FALSE (catalogued as CRC-16/IBM-3740): polynomial 0x1021, initial value
/// 0xFFFF, no reflection, no final XOR. Check value: `crc("123456789") == 0x29B1`.
///
/// Bitwise rather than table-driven: a packet is at most 254 bytes, and a microcontroller
/// keeps the 512 bytes a table would cost.
public struct CRC16CCITTFalse {
    public private(set) var value: UInt16 = 0xFFFF

    public init() {}

    @inline(__always)
    public mutating func update(_ byte: UInt8) {
        var crc = value ^ (UInt16(byte) << 8)
        for _ in 0..<8 {
            crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1
        }
        value = crc
    }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        for byte in bytes { update(byte) }
    }

    public static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt16 {
        var crc = CRC16CCITTFalse()
        crc.update(bytes)
        return crc.value
    }
}
