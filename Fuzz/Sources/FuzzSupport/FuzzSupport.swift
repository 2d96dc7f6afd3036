import CFuzzDriver

/// Runs libFuzzer with `callback` as the test function.
///
/// SwiftPM links every executable with `--defsym main=<Module>_main` (so tests can link
/// executables), which leaves no room for libFuzzer's own `main`. So each fuzz target
/// exports `<Module>_main` and calls this, which hands over to `LLVMFuzzerRunDriver`.
public func runLibFuzzer(
    _ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv, callback)
}

/// The input as bytes (libFuzzer passes a null pointer for the empty input).
@inlinable
public func fuzzBytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> UnsafeBufferPointer<UInt8> {
    guard let data, size > 0 else { return UnsafeBufferPointer(start: nil, count: 0) }
    return UnsafeBufferPointer(start: data, count: size)
}

/// Stops the run with a message libFuzzer records as a crash (a trap leaves a reproducer).
public func fuzzCheck(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
                      file: StaticString = #fileID, line: UInt = #line) {
    if !condition() {
        fatalError("fuzz check failed: \(message())", file: file, line: line)
    }
}

/// Reads a fuzz input as a little program: bytes, numbers and lengths taken from the front.
/// Past the end every read gives zero, so any input is a valid program.
public struct ByteReader {
    public let bytes: [UInt8]
    public private(set) var offset = 0

    public init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = Array(bytes) }
    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public var isAtEnd: Bool { offset >= bytes.count }
    public var remaining: Int { max(0, bytes.count - offset) }

    public mutating func byte() -> UInt8 {
        guard offset < bytes.count else { return 0 }
        defer { offset += 1 }
        return bytes[offset]
    }

    public mutating func bytes(_ count: Int) -> [UInt8] {
        let n = max(0, min(count, remaining))
        defer { offset += n }
        return Array(bytes[offset..<offset + n])
    }

    public mutating func rest() -> [UInt8] { bytes(remaining) }

    public mutating func uint16() -> UInt16 { UInt16(byte()) << 8 | UInt16(byte()) }

    public mutating func uint64() -> UInt64 {
        var value: UInt64 = 0
        for _ in 0..<8 { value = value << 8 | UInt64(byte()) }
        return value
    }

    /// Any double, NaN and infinities included.
    public mutating func double() -> Double { Double(bitPattern: uint64()) }
}
