import Testing
@testable import KneadWire
import KneadCore

@Suite struct TCodeReplyTests {
    @Test func linesEndWithCRLFOrCRLFAndNoiseIsDropped() {
        var parser = TCodeReplyParser()
        var replies = parser.push(Array("TCode v0.3\r\nOSR2 firmware\rL0 0 9999 Up\n".utf8))
        #expect(replies == [.version("TCode v0.3"), .text("OSR2 firmware"),
                            .axis(TCodeAxisRange(axis: TCodeAxis(.linear, 0), min: 0, max: 9999, name: "Up"))])
        replies = parser.push([0xFF, 0x00, 0x07] + Array("TCo".utf8))
        #expect(replies.isEmpty)
        replies = parser.push(Array("de V0.3\n\n\r\n".utf8))
        #expect(replies == [.version("TCode V0.3")], "a line split across reads, noise inside, blank lines")
    }

    @Test(arguments: ["tcode v0.3", "TCODE V0.3", "SR6 running TCode v0.3 (build 7)", "TCode 0.3"])
    func versionLinesAreRecognised(line: String) {
        guard case let .version(text) = TCodeReplyParser.recognise(line) else {
            Issue.record("\(line) not recognised")
            return
        }
        #expect(text.lowercased().hasPrefix("tcode"))
        #expect(TCodeDeviceInfo(version: text).isVersion03)
    }

    @Test func otherVersionsAndTextAreNotTakenForV03() {
        #expect(TCodeReplyParser.recognise("TCode v0.2") == .version("TCode v0.2"))
        #expect(!TCodeDeviceInfo(version: "TCode v0.2").isVersion03)
        #expect(TCodeReplyParser.recognise("TCode is great") == .text("TCode is great"))
        #expect(TCodeReplyParser.recognise("L0 9999 0 Up") == .text("L0 9999 0 Up"), "min above max")
    }

    @Test func overlongLinesAreCutNotGrown() {
        var parser = TCodeReplyParser()
        let replies = parser.push(Array(repeating: UInt8(ascii: "a"), count: 10_000) + [0x0A])
        #expect(replies == [.text(String(repeating: "a", count: TCodeReplyParser.maxLineLength))])
    }
}

@Suite struct TCodeConnectTests {
    @Test func asksD1AndFinishesWhenAnsweredAndQuiet() {
        var connect = TCodeConnect(timeout: 1.0, settle: 0.05)
        #expect(connect.start(now: 10) == Array("\nD1\n".utf8))
        connect.receive(Array("TCode v0.3\r\n".utf8), now: 10.02)
        #expect(connect.outcome == nil)
        connect.poll(now: 10.069)
        #expect(connect.outcome == nil)
        connect.poll(now: 10.07)
        #expect(connect.outcome == .answered(TCodeDeviceInfo(version: "TCode v0.3")))
    }

    @Test func asksD0AndD2WhenTheProfileSaysSo() {
        var connect = TCodeConnect(alsoAsk: [.firmware, .axes], timeout: 1.0)
        #expect(connect.start(now: 0) == Array("\nD0\nD1\nD2\n".utf8))
        connect.receive(Array("OSR2+ v3\nTCode v0.3\nL0 0 9999 Up\nV0 0 9999 Vibe\n".utf8), now: 0.01)
        connect.poll(now: 0.1)
        #expect(connect.outcome == .answered(TCodeDeviceInfo(
            version: "TCode v0.3", firmware: "OSR2+ v3",
            axes: [TCodeAxisRange(axis: TCodeAxis(.linear, 0), min: 0, max: 9999, name: "Up"),
                   TCodeAxisRange(axis: TCodeAxis(.vibration, 0), min: 0, max: 9999, name: "Vibe")])))
    }

    @Test func aSilentDeviceEndsAsSilentAtTheTimeoutNotAHang() {
        var connect = TCodeConnect(timeout: 0.5)
        _ = connect.start(now: 0)
        connect.poll(now: 0.499)
        #expect(connect.outcome == nil)
        connect.receive([0x00, 0xFF], now: 0.3)
        connect.poll(now: 0.5)
        #expect(connect.outcome == .silent, "noise is not an answer")
    }

    @Test func aPartialAnswerIsKeptAtTheTimeout() {
        var connect = TCodeConnect(alsoAsk: [.axes], timeout: 0.5)
        _ = connect.start(now: 0)
        connect.receive(Array("TCode v0.3\n".utf8), now: 0.1)
        connect.poll(now: 0.3)
        #expect(connect.outcome == nil, "still waiting for D2")
        connect.poll(now: 0.5)
        #expect(connect.outcome == .answered(TCodeDeviceInfo(version: "TCode v0.3")))
    }
}

@Suite struct TCodeDeviceDecoderTests {
    func decode(_ text: String) -> [TCodeCommand] {
        var decoder = TCodeDeviceDecoder()
        return decoder.push(Array(text.utf8))
    }

    @Test func axisCommandsWithRamps() {
        #expect(decode("L05000 V099I500 r2123s40\n") == [.axes([
            TCodeAxisCommand(axis: TCodeAxis(.linear, 0), value: 0.5),
            TCodeAxisCommand(axis: TCodeAxis(.vibration, 0), value: 0.99, ramp: .interval(milliseconds: 500)),
            TCodeAxisCommand(axis: TCodeAxis(.rotary, 2), value: 0.123, ramp: .speed(40)),
        ])])
    }

    @Test func aLaterCommandForTheSameAxisOnALineWins() {
        #expect(decode("L01 L1333 L09\n") == [.axes([
            TCodeAxisCommand(axis: TCodeAxis(.linear, 0), value: 0.9),
            TCodeAxisCommand(axis: TCodeAxis(.linear, 1), value: 0.333),
        ])])
    }

    @Test func deviceCommandsAndRanges() {
        #expect(decode("DSTOP\nd1\nD0\nD2\n$L0-0100-9000\n") == [
            .stop, .query(.version), .query(.firmware), .query(.axes),
            .saveRange(axis: TCodeAxis(.linear, 0), min: 100, max: 9000),
        ])
    }

    @Test func aTerminalsEnterKeyEndsALineAndCRLFIsOneLine() {
        #expect(decode("V05\rV06\r\nV07\n") == [
            .axes([TCodeAxisCommand(axis: TCodeAxis(.vibration, 0), value: 0.5)]),
            .axes([TCodeAxisCommand(axis: TCodeAxis(.vibration, 0), value: 0.6)]),
            .axes([TCodeAxisCommand(axis: TCodeAxis(.vibration, 0), value: 0.7)]),
        ])
    }

    @Test func nothingHappensBeforeTheNewline() {
        var decoder = TCodeDeviceDecoder()
        #expect(decoder.push(Array("L05000 V0".utf8)).isEmpty)
        #expect(decoder.push(Array("5\n".utf8)).count == 1)
    }

    @Test func badTokensAreReportedAndTheRestOfTheLineStillActs() {
        let commands = decode("X12 L0 V05I L0500Q3 D9 $L0-1 V07\n")
        #expect(commands.last == .axes([TCodeAxisCommand(axis: TCodeAxis(.vibration, 0), value: 0.7)]))
        let invalid = commands.compactMap { command -> String? in
            if case let .invalid(token, _) = command { return token }
            return nil
        }
        #expect(invalid == ["X12", "L0", "V05I", "L0500Q3", "D9", "$L0-1"])
    }

    @Test func overlongLinesAreDroppedWhole() {
        let commands = decode(String(repeating: "L05000 ", count: 100) + "\nV05\n")
        #expect(commands.count == 2)
        if case .invalid = commands[0] {} else { Issue.record("expected the long line reported, got \(commands[0])") }
        #expect(commands[1] == .axes([TCodeAxisCommand(axis: TCodeAxis(.vibration, 0), value: 0.5)]))
    }

    @Test func whatTheEncoderSendsDecodesToTheSameValues() throws {
        var encoder = try TCodeEncoder(axes: TCodeAxisMap(profileAxes: osr2Axes), timing: .ramp)
        var decoder = TCodeDeviceDecoder()
        var state: [TCodeAxis: Double] = [:]
        for tick in goldenSequence() {
            for command in decoder.push(Array((encoder.encode(tick.values, at: tick.time) ?? "").utf8)) {
                guard case let .axes(axes) = command else {
                    Issue.record("unexpected \(command)")
                    continue
                }
                for axis in axes { state[axis.axis] = axis.value }
            }
            for (channel, axisName) in osr2Axes {
                let axis = TCodeAxis(axisName)!
                let expected = Double(encoder.magnitude(tick.values[KWPChannel(name: channel)!])) / 10_000
                #expect(abs(state[axis]! - expected) < 1e-12)
            }
        }
    }

    @Test func randomBytesNeverCrashAndLinesStayBounded() {
        var random = SplitMix64(seed: 0x7C0DE)
        var decoder = TCodeDeviceDecoder()
        var parser = TCodeReplyParser()
        let alphabet = Array("LRVADSTOPIS$-0123456789 \r\n".utf8)
        for _ in 0..<400 {
            let bytes = (0..<Int(random.next() % 600)).map { _ in
                random.chance(0.7) ? alphabet[Int(random.next() % UInt64(alphabet.count))] : random.byte()
            }
            for command in decoder.push(bytes) {
                if case let .axes(axes) = command {
                    for axis in axes { #expect(axis.value >= 0 && axis.value < 1) }
                }
            }
            for reply in parser.push(bytes) {
                if case let .text(text) = reply { #expect(text.utf8.count <= TCodeReplyParser.maxLineLength) }
            }
        }
    }
}
