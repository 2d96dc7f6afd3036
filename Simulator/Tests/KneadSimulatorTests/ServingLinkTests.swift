import KneadCore
import Testing
@testable import KneadSimulator

@Suite("Serving: the paced line and its faults")
struct ServingLinkTests {
    /// 115200 baud, 8N1: ten bits a byte.
    static let byteTime = 10.0 / 115_200

    @Test func aPacedLineReleasesEachByteOnlyOnceItsTenBitsHaveCrossed() throws {
        var pacer = LinkPacer(baud: 115_200)
        #expect(pacer.byteTime == Self.byteTime)
        pacer.enqueue([UInt8](repeating: 0x41, count: 64), seenAt: 1.0)
        #expect(pacer.lastArrival == 1.0 + 64 * Self.byteTime)
        let early = pacer.release(upTo: 1.0 + 0.5 * Self.byteTime)
        #expect(early == nil)
        let firstReleased = pacer.release(upTo: 1.0 + 5 * Self.byteTime)
        let first = try #require(firstReleased)
        #expect(first.bytes.count == 5)
        #expect(first.arrival == 1.0 + 5 * Self.byteTime)
        #expect(pacer.nextArrival == 1.0 + 6 * Self.byteTime)
        let restReleased = pacer.release(upTo: 2.0)
        let rest = try #require(restReleased)
        #expect(rest.bytes.count == 59)
        #expect(abs(rest.arrival - (1.0 + 64 * Self.byteTime)) < 1e-12)  // 5.56 ms for 64 bytes
        #expect(pacer.pendingCount == 0)
        #expect(pacer.nextArrival == nil)
        #expect(pacer.bytesReleased == 64)
    }

    @Test func bytesQueueBehindEachOtherAndAnIdleLineStartsWhenBytesAreSeen() throws {
        var pacer = LinkPacer(baud: 115_200)
        pacer.enqueue([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], seenAt: 3.0)
        pacer.enqueue([11, 12], seenAt: 3.0 + 2 * Self.byteTime)  // while the first ten still cross
        #expect(abs(pacer.lastArrival! - (3.0 + 12 * Self.byteTime)) < 1e-12)
        let allReleased = pacer.release(upTo: 4.0)
        let all = try #require(allReleased)
        #expect(Array(all.bytes) == Array(1...12))
        #expect(abs(all.arrival - (3.0 + 12 * Self.byteTime)) < 1e-12)
        // Idle since: the next byte starts when it is seen, not when the line fell quiet.
        pacer.enqueue([13], seenAt: 5.0)
        let lateReleased = pacer.release(upTo: 6.0)
        let late = try #require(lateReleased)
        #expect(late.arrival == 5.0 + Self.byteTime)
    }

    @Test func anUnpacedLineReleasesBytesWhenTheyAreSeenAndNotBefore() throws {
        var pacer = LinkPacer(baud: nil)
        #expect(!pacer.isPaced)
        pacer.enqueue([1, 2, 3], seenAt: 1.0)
        pacer.enqueue([4], seenAt: 1.5)  // a latency fault: seen in the future
        let nowReleased = pacer.release(upTo: 1.2)
        let now = try #require(nowReleased)
        #expect(Array(now.bytes) == [1, 2, 3])
        #expect(now.arrival == 1.0)
        let tooEarly = pacer.release(upTo: 1.4)
        #expect(tooEarly == nil)
        let onTime = pacer.release(upTo: 1.5)
        #expect(onTime.map { Array($0.bytes) } == [4])
    }

    @Test func discardForgetsWhatIsStillOnTheLine() {
        var pacer = LinkPacer(baud: 9600)
        pacer.enqueue([1, 2, 3], seenAt: 0)
        pacer.discard()
        #expect(pacer.pendingCount == 0)
        let nothing = pacer.release(upTo: 10)
        #expect(nothing == nil)
    }

    // MARK: Faults

    @Test func dropLosesEveryNthMessageButKeepsItsEnding() {
        var injector = ByteFaultInjector(faults: ServeFaults(drop: .everyNth(3)), endings: [0x0A, 0x0D])
        let out = injector.fromHost(Array("L01\nL02\nL03\nL04\n\nL05\nL06\n".utf8))
        #expect(String(decoding: out, as: UTF8.self) == "L01\nL02\n\nL04\n\nL05\n\n")
        #expect(injector.counters.droppedMessages == 2)
        #expect(injector.counters.droppedBytes == 6)
    }

    @Test func corruptDamagesTheFirstByteOfEveryNthMessageOnly() {
        var injector = ByteFaultInjector(faults: ServeFaults(corrupt: .everyNth(2)), endings: [0x00])
        let sent: [UInt8] = [5, 1, 2, 3, 0, 5, 1, 2, 3, 0, 5, 1, 2, 3, 0]
        let out = injector.fromHost(sent)
        #expect(out.count == sent.count)
        let differing = zip(sent, out).enumerated().filter { $0.element.0 != $0.element.1 }.map(\.offset)
        #expect(differing == [5])
        #expect(injector.counters.corruptedMessages == 1)
    }

    @Test func noiseFlipsOneBitOfAByteEitherWayAndRepeatsWithTheSeed() {
        var all = ByteFaultInjector(faults: ServeFaults(noise: 1), endings: [0x0A])
        let bytes = Array("V05 L09\n".utf8)
        let noisy = all.toHost(bytes)
        for (sent, got) in zip(bytes, noisy) {
            #expect((sent ^ got).nonzeroBitCount == 1)
        }
        var a = ByteFaultInjector(faults: ServeFaults(noise: 0.01, seed: 9), endings: [0x0A])
        var b = ByteFaultInjector(faults: ServeFaults(noise: 0.01, seed: 9), endings: [0x0A])
        let stream = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 % 251) }
        let damaged = a.fromHost(stream)
        let again = b.fromHost(stream)
        #expect(damaged == again)
        let flipped = zip(stream, damaged).filter { $0 != $1 }.count
        #expect(flipped == a.counters.corruptedBytes)
        #expect((800...1200).contains(flipped), "1 % of 100 000 bytes, seeded: \(flipped)")
    }

    @Test func theFaultSpecIsPlaysWithMuteAndTimesFromTheFirstByte() throws {
        let faults = try ServeFaults.parse("noise=1%, drop=every:5,corrupt=2%,latency=5ms,stall=3s+500ms,hangup=20s,mute,seed=7")
        #expect(faults == ServeFaults(noise: 0.01, corrupt: .probability(0.02), drop: .everyNth(5), latency: 0.005,
                                      stalls: [.init(at: 3, duration: 0.5)], hangUpAt: 20, mute: true, seed: 7))
        #expect(faults.description == "noise=1%,corrupt=2%,drop=every:5,latency=5ms,stall=3s+500ms,hangup=20s,mute,seed=7")
        #expect(try ServeFaults.parse(faults.description) == faults)
        #expect(faults.isStalled(at: 3.2) && !faults.isStalled(at: 3.5) && !faults.isStalled(at: 2.99))
        #expect(try ServeFaults.parse("mute") == ServeFaults(mute: true))
        #expect(try ServeFaults.parse("").isEmpty)
        #expect(throws: SimulatorFaults.SpecError.self) { try ServeFaults.parse("mute,wobble=1") }
    }
}
