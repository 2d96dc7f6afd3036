import Testing
@testable import KneadWire
import KneadCore

@Suite struct CRCTests {
    @Test func checkValueOf123456789Is0x29B1() {
        let crc = withRaw(Array("123456789".utf8)) { CRC16CCITTFalse.checksum($0) }
        #expect(crc == 0x29B1)
    }

    @Test func emptyInputGivesTheInitialValue() {
        #expect(withRaw([]) { CRC16CCITTFalse.checksum($0) } == 0xFFFF)
    }

    @Test func crcOverAPacketIncludingItsCRCIsZero() {
        let packet = KWPMessage.ack(nextSequence: 7, free: 300).encodedPacket()
        #expect(withRaw(packet) { CRC16CCITTFalse.checksum($0) } == 0)
    }
}

@Suite struct COBSTests {
    @Test(arguments: [
        ([UInt8](), [UInt8]([0x01])),
        ([0x00], [0x01, 0x01]),
        ([0x00, 0x00], [0x01, 0x01, 0x01]),
        ([0x11, 0x22, 0x00, 0x33], [0x03, 0x11, 0x22, 0x02, 0x33]),
        ([0x11, 0x22, 0x33, 0x44], [0x05, 0x11, 0x22, 0x33, 0x44]),
        ([0x11, 0x00, 0x00, 0x00], [0x02, 0x11, 0x01, 0x01, 0x01]),
        ([0x11, 0x00, 0x00], [0x02, 0x11, 0x01, 0x01]),
    ])
    func smallExamples(input: [UInt8], encoded: [UInt8]) {
        #expect(cobsEncode(input) == encoded)
        #expect(cobsDecode(encoded) == input)
    }

    @Test func run254EndsWithoutAnExtraBlock() {
        let input = (1...254).map { UInt8($0) }
        let encoded = [0xFF] + input
        #expect(cobsEncode(input) == encoded)
        #expect(cobsDecode(encoded) == input)
        // A trailing empty block after an 0xFF block decodes to nothing.
        #expect(cobsDecode(encoded + [0x01]) == input)
    }

    @Test func run255SplitsAfter254() {
        let input = (1...255).map { UInt8($0) }
        let encoded = [0xFF] + (1...254).map { UInt8($0) } + [0x02, 0xFF]
        #expect(cobsEncode(input) == encoded)
        #expect(cobsDecode(encoded) == input)
    }

    @Test func run254ThenZero() {
        let input = (1...254).map { UInt8($0) } + [0x00]
        let encoded = [0xFF] + (1...254).map { UInt8($0) } + [0x01, 0x01]
        #expect(cobsEncode(input) == encoded)
        #expect(cobsDecode(encoded) == input)
    }

    @Test func zeroThenRun254() {
        let input = [0x00] + (1...254).map { UInt8($0) }
        let encoded = [0x01, 0xFF] + (1...254).map { UInt8($0) }
        #expect(cobsEncode(input) == encoded)
        #expect(cobsDecode(encoded) == input)
    }

    @Test func longRunsOfZerosAndNonZeros() {
        let input = [UInt8](repeating: 0, count: 300) + [UInt8](repeating: 0x42, count: 600)
        let encoded = cobsEncode(input)!
        #expect(!encoded.contains(0))
        #expect(encoded.count <= COBS.maxEncodedLength(input.count))
        #expect(cobsDecode(encoded, capacity: 1000) == input)
    }

    @Test func randomRoundTripsNeverContainZero() {
        var random = SplitMix64(seed: 0xC0B5)
        for _ in 0..<2000 {
            let length = Int(random.next() % 700)
            let density = Double(random.next() % 100) / 100
            let input = (0..<length).map { _ in random.chance(density) ? 0 : random.byte() | 1 }
            let encoded = cobsEncode(input)!
            #expect(!encoded.contains(0))
            #expect(encoded.count <= COBS.maxEncodedLength(input.count))
            #expect(cobsDecode(encoded, capacity: max(input.count, 1)) == input)
        }
    }

    @Test func invalidFramesAreRejected() {
        #expect(cobsDecode([0x00]) == nil, "a zero inside a frame")
        #expect(cobsDecode([0x03, 0x11, 0x00]) == nil, "a zero inside a block")
        #expect(cobsDecode([0x05, 0x11, 0x22]) == nil, "a code promising more bytes than there are")
        #expect(cobsDecode([0xFF, 0x01]) == nil)
    }

    @Test func tooSmallBuffersFailInsteadOfOverrunning() {
        #expect(cobsEncode([0x11, 0x22, 0x33]).map { _ in true } == true)
        var output = [UInt8](repeating: 0, count: 3)
        let encoded = [UInt8]([0x11, 0x22, 0x33]).withUnsafeBytes { source in
            output.withUnsafeMutableBytes { COBS.encode(source, into: $0) }
        }
        #expect(encoded == nil)
        #expect(cobsDecode([0x04, 0x11, 0x22, 0x33], capacity: 2) == nil)
    }

    @Test func decodingInPlaceMatchesDecodingElsewhere() {
        var random = SplitMix64(seed: 7)
        for _ in 0..<500 {
            let input = (0..<Int(random.next() % 254)).map { _ in random.chance(0.2) ? 0 : random.byte() }
            var buffer = cobsEncode(input)!
            let length = buffer.withUnsafeMutableBytes { COBS.decode(UnsafeRawBufferPointer($0), into: $0) }
            #expect(length.map { Array(buffer[0..<$0]) } == input)
        }
    }
}
