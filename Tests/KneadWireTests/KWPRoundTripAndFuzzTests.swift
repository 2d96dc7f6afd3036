import Testing
@testable import KneadWire
import KneadCore

/// Random messages of every type, for property tests.
enum RandomMessage {
    static func text(_ random: inout SplitMix64) -> String {
        let pieces = ["a", "b", "z", "0", "9", "-", ".", " ", "é", "ü", "knead", "chair"]
        var text = ""
        for _ in 0..<Int(random.next() % 12) {
            let piece = pieces[Int(random.next() % UInt64(pieces.count))]
            if text.utf8.count + piece.utf8.count > kwpMaxIdentityTextLength { break }
            text += piece
        }
        return text
    }

    static func values(_ random: inout SplitMix64, mask: UInt8) -> KWPChannelValues {
        var values = KWPChannelValues.zero
        for channel in KWPChannel.allCases where mask & channel.maskBit != 0 {
            values[channel] = random.u16()
        }
        return values
    }

    static func make(_ random: inout SplitMix64) -> KWPMessage {
        switch random.next() % 12 {
        case 0: return .hello(tag: random.byte())
        case 1: return .clockRequest(tag: random.byte())
        case 2:
            let mask = UInt8(random.next() % 32)
            let count = 1 + Int(random.next() % UInt64(KWPFrames.maxSetpointsPerPacket(mask: mask)))
            let setpoints = (0..<count).map { _ in
                KWPSetpoint(time: random.u32(), values: values(&random, mask: mask))
            }
            return .frames(sequence: random.byte(), KWPFrames(channelMask: mask, setpoints: setpoints))
        case 3: return .stop(tag: random.byte(), nextSequence: random.byte())
        case 4: return .heartbeat(tag: random.byte())
        case 5:
            let channels = KWPChannel.allCases.filter { _ in random.chance(0.5) }.shuffled(using: &random).map {
                KWPChannelInfo(channel: $0, steps: random.u16(), min: random.u16(), max: random.u16(),
                               maxSlew: random.u16())
            }
            let parameters = KWPDeviceParameters(clockHz: random.u32(), bufferDepth: random.u16(),
                                                 maxBatch: random.byte(), watchdogMilliseconds: random.u16(),
                                                 stopRampMilliseconds: random.u16(),
                                                 telemetryPeriodMilliseconds: random.u16())
            return .identify(tag: random.byte(), KWPIdentity(parameters: parameters, channels: channels,
                                                             model: text(&random), firmware: text(&random)))
        case 6: return .clock(tag: random.byte(), deviceTime: random.next())
        case 7: return .ack(nextSequence: random.byte(), free: random.u16())
        case 8:
            let reason = KWPNakReason.allCases[Int(random.next() % UInt64(KWPNakReason.allCases.count))]
            return .nak(nextSequence: random.byte(), free: random.u16(), reason: reason, refused: random.byte())
        case 9: return .stopped(tag: random.byte(), free: random.u16())
        case 10:
            let state = KWPDeviceState.allCases[Int(random.next() % 4)]
            // TELEMETRY reports temperature, not heat: heat is not in its layout.
            let actual = values(&random, mask: 0x0F)
            return .telemetry(counter: random.byte(), KWPTelemetry(
                deviceTime: random.next(), state: state, actual: actual,
                temperatureCentiCelsius: Int16(bitPattern: random.u16()), queued: random.u16(),
                free: random.u16(), lastFault: KWPFaultCode(rawValue: random.byte())))
        default:
            return .fault(counter: random.byte(), KWPFault(deviceTime: random.next(),
                                                           code: KWPFaultCode(rawValue: random.byte()),
                                                           detail: random.u16()))
        }
    }
}

@Suite struct KWPRoundTripTests {
    @Test func encodeThenDecodeIsTheIdentityForEveryType() {
        var random = SplitMix64(seed: 0x5EED_0001)
        var typesSeen = Set<UInt8>()
        for _ in 0..<6000 {
            let message = RandomMessage.make(&random)
            typesSeen.insert(message.type.rawValue)
            let frame = message.encodedFrame()
            #expect(frame.last == 0 && !frame.dropLast().contains(0))
            #expect(frame.count <= KWP.maxFrameLength)
            #expect(KWPMessage.decode(frame: frame) == .success(message), "\(message)")
        }
        #expect(typesSeen.count == 12)
    }

    @Test func aStreamOfFramesDecodesToTheSameMessages() {
        var random = SplitMix64(seed: 0x5EED_0002)
        let messages = (0..<500).map { _ in RandomMessage.make(&random) }
        var decoder = KWPStreamDecoder()
        let stream = messages.flatMap { $0.encodedFrame() }
        // Fed in random-sized pieces, as a port delivers them.
        var results: [Result<KWPMessage, KWPDecodeError>] = []
        var index = 0
        while index < stream.count {
            let piece = min(stream.count - index, 1 + Int(random.next() % 40))
            results += decoder.push(stream[index..<(index + piece)])
            index += piece
        }
        #expect(results == messages.map { .success($0) })
    }

    @Test func theDeviceAssemblerSeesTheSamePackets() {
        var random = SplitMix64(seed: 0x5EED_0003)
        let assembler = KWPFrameAssembler()
        for _ in 0..<1000 {
            let message = RandomMessage.make(&random)
            let packet = message.encodedPacket()
            var seen: [UInt8]?
            for byte in message.encodedFrame() {
                if case let .packet(view) = assembler.push(byte) {
                    seen = [KWP.version, view.type, view.seq] + Array(view.payload)
                }
            }
            #expect(seen == Array(packet.dropLast(2)))
        }
    }

    @Test func malformedPayloadsAreReportedNotTrusted() {
        func frame(_ type: KWPType, _ payload: [UInt8]) -> [UInt8] {
            rawFrame(type: type.rawValue, seq: 0, payload: payload)
        }
        #expect(KWPMessage.decode(frame: frame(.ack, [1])) == .failure(.malformed(.ack)))
        #expect(KWPMessage.decode(frame: frame(.ack, [1, 2, 3])) == .failure(.malformed(.ack)))
        #expect(KWPMessage.decode(frame: frame(.frames, [0x01, 0])) == .failure(.malformed(.frames)))
        #expect(KWPMessage.decode(frame: frame(.frames, [0x21, 1, 0, 0, 0, 0, 0, 0])) == .failure(.malformed(.frames)))
        #expect(KWPMessage.decode(frame: frame(.frames, [0x01, 2, 0, 0, 0, 0, 0, 0])) == .failure(.malformed(.frames)))
        #expect(KWPMessage.decode(frame: frame(.nak, [1, 0, 9, 0])) == .failure(.malformed(.nak)))
        #expect(KWPMessage.decode(frame: frame(.nak, [1, 0, 1])) == .failure(.malformed(.nak)))
        #expect(KWPMessage.decode(frame: frame(.stop, [])) == .failure(.malformed(.stop)))
        #expect(KWPMessage.decode(frame: rawFrame(type: 0x42, seq: 0, payload: [])) == .failure(.unknownType(0x42)))
        #expect(KWPMessage.decode(frame: rawFrame(type: 0x01, seq: 0, payload: [], version: 2))
                == .failure(.unsupportedVersion(2)))
    }
}

/// A frame with any type, payload and version, valid CRC and COBS.
func rawFrame(type: UInt8, seq: UInt8, payload: [UInt8], version: UInt8 = KWP.version) -> [UInt8] {
    var packet = [version, type, seq] + payload
    let crc = withRaw(packet) { CRC16CCITTFalse.checksum($0) }
    packet += [UInt8(crc >> 8), UInt8(crc & 0xFF)]
    return cobsEncode(packet)! + [0]
}

@Suite struct KWPFuzzTests {
    /// Random bytes with a bias: some all-noise, some zero-heavy, some near-valid.
    static func noise(_ random: inout SplitMix64) -> [UInt8] {
        let length = Int(random.next() % 1200)
        switch random.next() % 3 {
        case 0: return random.bytes(length)
        case 1: return (0..<length).map { _ in random.chance(0.3) ? 0 : random.byte() }
        default: return (0..<length).map { _ in random.chance(0.01) ? 0 : random.byte() | 0x01 }
        }
    }

    @Test func randomBytesNeverCrashTheHostDecoder() {
        var random = SplitMix64(seed: 0xF022_0001)
        var decoder = KWPStreamDecoder()
        var successes = 0
        for _ in 0..<800 {
            for result in decoder.push(Self.noise(&random)) {
                if case .success = result { successes += 1 }
            }
            #expect(decoder.pendingCount <= KWP.maxEncodedPacketLength)
        }
        #expect(successes == 0, "noise does not pass as a packet (CRC-16 and COBS)")
    }

    @Test func randomBytesNeverCrashTheDevice() {
        var random = SplitMix64(seed: 0xF022_0002)
        let device = KWPDevice(configuration: TestDevices.chair)
        var now: UInt64 = 0
        var host = KWPStreamDecoder()
        for _ in 0..<600 {
            device.receive(Self.noise(&random), now: now)
            now += 1000
            device.advance(to: now)
            // Whatever the device says in return is well-formed.
            for result in host.push(device.takeOutput()) {
                guard case let .success(message) = result else {
                    Issue.record("device sent an invalid frame: \(result)")
                    continue
                }
                switch message {
                case .nak(_, _, .corrupt, _):
                    break
                case let .fault(_, fault) where fault.code == .unsupportedVersion:
                    break
                default:
                    Issue.record("device answered noise with \(message)")
                }
            }
        }
        #expect(device.state == .idle)
        #expect(device.statistics.packets == 0)
        #expect(device.target == TestDevices.chair.rest, "noise never moves a motor")
    }

    @Test func bothDecodersResyncAfterNoiseToTheNextFrame() {
        var random = SplitMix64(seed: 0xF022_0003)
        for _ in 0..<500 {
            let messages = (0..<3).map { _ in RandomMessage.make(&random) }
            let garbage = Self.noise(&random)
            let stream = garbage + messages.flatMap { $0.encodedFrame() }

            var host = KWPStreamDecoder()
            let decoded = host.push(stream).compactMap { try? $0.get() }
            // The first frame may merge with noise that did not end in 0x00; the rest arrive.
            #expect(decoded.suffix(2) == messages.suffix(2)[...], "after \(garbage.count) bytes of noise")
            #expect(decoded.count <= 3)

            let assembler = KWPFrameAssembler()
            var packets: [[UInt8]] = []
            for byte in stream {
                if case let .packet(view) = assembler.push(byte) {
                    packets.append([view.type, view.seq] + Array(view.payload))
                }
            }
            let expected = messages.map { Array($0.encodedPacket().dropFirst().dropLast(2)) }
            #expect(packets.suffix(2) == expected.suffix(2)[...])
        }
    }

    @Test func corruptedStreamsYieldOnlyTrueMessagesAndRecover() {
        var random = SplitMix64(seed: 0xF022_0004)
        var lost = 0, total = 0
        for _ in 0..<120 {
            let messages = (0..<40).map { _ in RandomMessage.make(&random) }
            var stream = messages.flatMap { $0.encodedFrame() }
            for index in stream.indices where random.chance(0.01) {
                stream[index] ^= UInt8(1) << (random.next() % 8)
            }
            let tail = (0..<3).map { _ in RandomMessage.make(&random) }
            var decoder = KWPStreamDecoder()
            let decoded = decoder.push(stream + tail.flatMap { $0.encodedFrame() }).compactMap { try? $0.get() }
            for message in decoded {
                #expect(messages.contains(message) || tail.contains(message), "a corrupted frame passed as \(message)")
            }
            #expect(decoded.suffix(2) == tail.suffix(2)[...], "decoding recovers after the corruption")
            total += messages.count
            lost += messages.count - decoded.filter { messages.contains($0) }.count
        }
        #expect(lost > 0 && lost < total / 2, "1 % of bytes corrupted loses some frames, not most (\(lost)/\(total))")
    }

    @Test func aRunPastTheLongestFrameIsDroppedOnceThenDecodingGoesOn() {
        var decoder = KWPStreamDecoder()
        let results = decoder.push([UInt8](repeating: 0x41, count: 1000) + [0]
                                   + KWPMessage.heartbeat(tag: 9).encodedFrame())
        #expect(results == [.failure(.corrupt(.overflow)), .success(.heartbeat(tag: 9))])
    }

    @Test func truncatedFramesDoNotSwallowTheNextOne() {
        var random = SplitMix64(seed: 0xF022_0005)
        for _ in 0..<500 {
            let first = RandomMessage.make(&random).encodedFrame()
            let cut = Int(random.next() % UInt64(first.count - 1))
            let second = RandomMessage.make(&random)
            var decoder = KWPStreamDecoder()
            // The cut frame loses its tail but keeps a delimiter (as when a byte is lost).
            let results = decoder.push(Array(first[0..<cut]) + [0] + second.encodedFrame())
            #expect(results.last == .success(second))
        }
    }
}

/// Found by FuzzKWPHostDecoder: IDENTIFY text that is not valid UTF-8 is read with
/// replacement characters (3 bytes each); encoding it again must stay valid UTF-8 within
/// 32 bytes (cut between characters, never inside one) and be stable from then on.
@Suite struct KWPIdentityTextTests {
    @Test func textIsCutBetweenCharactersAndRoundTripsStablyAfterOneLossyRead() throws {
        #expect("ab€".utf8Prefix(4) == Array("ab".utf8), "€ is 3 bytes: it does not fit in 4 after 'ab'")
        #expect("ab€".utf8Prefix(5) == Array("ab€".utf8))
        var identity = TestDevices.handheld.identity
        identity.model = String(decoding: [0xFF, 0xFE, 0x21] + Array("knead-handheld".utf8) + [0xC3, 0x28, 0xF0, 0x9F],
                                as: UTF8.self)
        #expect(identity.model.utf8.count > 20)
        identity.model += String(repeating: "\u{FFFD}", count: 6)   // now past 32 bytes
        var decoder = KWPStreamDecoder()
        guard case let .success(.identify(_, once))? = decoder.push(KWPMessage.identify(tag: 1, identity).encodedFrame()).first
        else { Issue.record("the IDENTIFY did not decode"); return }
        #expect(once.model.utf8.count <= 32 && once.model.hasPrefix("\u{FFFD}\u{FFFD}!knead-handheld"))
        var again = KWPStreamDecoder()
        #expect(again.push(KWPMessage.identify(tag: 1, once).encodedFrame()) == [.success(.identify(tag: 1, once))])
    }
}
