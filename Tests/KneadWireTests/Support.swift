import Foundation
import Testing
@testable import KneadWire

/// SplitMix64 (Steele, Lea, Flood 2014): a tiny seeded generator, so every randomised
/// test replays the same cases.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func byte() -> UInt8 { UInt8(truncatingIfNeeded: next()) }
    mutating func u16() -> UInt16 { UInt16(truncatingIfNeeded: next()) }
    mutating func u32() -> UInt32 { UInt32(truncatingIfNeeded: next()) }
    mutating func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in byte() } }
    /// True with probability `p`.
    mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &self) < p }
}

func hex(_ bytes: [UInt8]) -> String {
    bytes.map { String(format: "%02x", $0) }.joined(separator: " ")
}

func bytes(hex: String) -> [UInt8] {
    hex.split(separator: " ").map { UInt8($0, radix: 16)! }
}

enum Golden {
    static func url(_ name: String) throws -> URL {
        try #require(Bundle.module.url(forResource: "Golden/" + name, withExtension: nil)
            ?? Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Golden"),
            "golden file \(name) missing from the test bundle")
    }

    static func text(_ name: String) throws -> String {
        try String(contentsOf: url(name), encoding: .utf8)
    }
}

/// Runs `body` with the bytes of an array as a raw buffer.
func withRaw<R>(_ array: [UInt8], _ body: (UnsafeRawBufferPointer) -> R) -> R {
    array.withUnsafeBytes(body)
}

func cobsEncode(_ input: [UInt8]) -> [UInt8]? {
    var output = [UInt8](repeating: 0xEE, count: COBS.maxEncodedLength(input.count))
    let length = input.withUnsafeBytes { source in
        output.withUnsafeMutableBytes { COBS.encode(source, into: $0) }
    }
    return length.map { Array(output[0..<$0]) }
}

func cobsDecode(_ input: [UInt8], capacity: Int? = nil) -> [UInt8]? {
    var output = [UInt8](repeating: 0xEE, count: capacity ?? max(input.count, 1))
    let length = input.withUnsafeBytes { source in
        output.withUnsafeMutableBytes { COBS.decode(source, into: $0) }
    }
    return length.map { Array(output[0..<$0]) }
}
