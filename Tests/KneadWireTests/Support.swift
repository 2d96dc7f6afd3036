import Foundation
import KneadCore
import Testing
@testable import KneadWire

/// Draws of wire-sized values from KneadCore's seeded generator, so every randomised
/// test replays the same cases.
extension SplitMix64 {
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
