import Testing
@testable import KneadWire

/// The sequence of Golden/tcode_golden.py: 200 ticks at 100 Hz.
func goldenSequence() -> [(time: Double, values: ChannelValues)] {
    (0..<200).map { k in
        let intensity = Double(k % 50) / 49
        let y = 0.2 + 0.6 * (Double(k) / 199)
        let x = 0.5 + 0.4 * abs(Double(k % 80) / 40 - 1)
        let pressure = (k / 25) % 2 == 0 ? 0.25 : 0.75
        return (Double(k) / 100, ChannelValues(intensity: intensity, x: x, y: y, pressure: pressure, heat: 0))
    }
}

let osr2Axes = ["intensity": "V0", "y": "L0", "x": "L2", "pressure": "L1"]

func encodeAll(_ encoder: inout TCodeEncoder, _ sequence: [(time: Double, values: ChannelValues)]) -> String {
    sequence.compactMap { encoder.encode($0.values, at: $0.time) }.joined()
}

@Suite struct TCodeEncoderTests {
    @Test(arguments: [
        ("tcode-osr2-100hz-live.txt", osr2Axes, 4, TCodeEncoder.Timing.live),
        ("tcode-osr2-100hz-ramp.txt", osr2Axes, 4, TCodeEncoder.Timing.ramp),
        ("tcode-vibrator-100hz-2digits.txt", ["intensity": "V0"], 2, TCodeEncoder.Timing.live),
    ])
    func goldenLinesAt100Hz(file: String, axes: [String: String], digits: Int, timing: TCodeEncoder.Timing) throws {
        var encoder = try TCodeEncoder(axes: TCodeAxisMap(profileAxes: axes), digits: digits, timing: timing)
        let expected = try Golden.text(file)
        let produced = encodeAll(&encoder, goldenSequence())
        let expectedLines = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let producedLines = produced.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(producedLines.count == expectedLines.count)
        for (index, (got, want)) in zip(producedLines, expectedLines).enumerated() where got != want {
            Issue.record("line \(index + 1) of \(file): got \(got), want \(want)")
            break
        }
        #expect(produced == expected)
    }

    @Test func theFirstTicksByHand() throws {
        var encoder = try TCodeEncoder(axes: TCodeAxisMap(profileAxes: osr2Axes), timing: .ramp)
        let ticks = goldenSequence()
        #expect(encoder.encode(ticks[0].values, at: ticks[0].time) == "L02000 L12500 L29000 V00000\n")
        // y 0.2 + 0.6/199 = 0.20302, x 0.89, intensity 1/49 = 0.0204; pressure unchanged.
        #expect(encoder.encode(ticks[1].values, at: ticks[1].time) == "L02030I10 L28900I10 V00204I10\n")
    }

    /// The ease into the first position: the first line after start or stop says
    /// I<startRamp>, the lines until the ramp's end the time left of it (never less
    /// than the tick), then the tick's.
    @Test func theFirstLineEasesIn() throws {
        var encoder = try TCodeEncoder(axes: TCodeAxisMap(profileAxes: ["intensity": "V0", "y": "L0"]), timing: .ramp,
                                       startRamp: 300)
        #expect(encoder.encode(ChannelValues(intensity: 0.5, y: 1), at: 2) == "L09999I300 V05000I300\n")
        #expect(encoder.encode(ChannelValues(intensity: 0.5, y: 0.9), at: 2.1) == "L09000I200\n")
        #expect(encoder.encode(ChannelValues(intensity: 0.5, y: 0.8), at: 2.295) == "L08000I195\n")
        #expect(encoder.encode(ChannelValues(intensity: 0.5, y: 0.7), at: 2.305) == "L07000I10\n")
        #expect(encoder.stop() == "DSTOP\nV00000\n")
        #expect(encoder.encode(ChannelValues(intensity: 0.5, y: 0.7), at: 3) == "L07000I300 V05000I300\n")
    }

    /// The vibration refresh: only the vibration axes again, with the tick's ramp (a
    /// moving axis repeated without I would be the firmware's own ~100 ms ramp).
    @Test func resendingRepeatsOnlyTheVibrationAxesWithTheTick() throws {
        var encoder = try TCodeEncoder(axes: TCodeAxisMap(profileAxes: osr2Axes), timing: .ramp)
        _ = encoder.encode(ChannelValues(intensity: 0.4, x: 0.5, y: 0.3, pressure: 0.2), at: 0)
        #expect(encoder.encode(ChannelValues(intensity: 0.4, x: 0.5, y: 0.3, pressure: 0.2), at: 1,
                               resending: [.vibration]) == "V04000I1000\n")
        #expect(encoder.encode(ChannelValues(intensity: 0.4, x: 0.5, y: 0.31, pressure: 0.2), at: 1.01,
                               resending: [.vibration]) == "L03100I10 V04000I10\n")
    }

    @Test func magnitudesRoundAndClampIntoZeroToOne() throws {
        let map = try TCodeAxisMap(profileAxes: ["intensity": "V0"])
        let four = try TCodeEncoder(axes: map)
        #expect(four.magnitude(0) == 0)
        #expect(four.magnitude(0.5) == 5000)
        #expect(four.magnitude(0.12345) == 1235, "rounded half up")
        #expect(four.magnitude(0.99994) == 9999)
        #expect(four.magnitude(0.99995) == 9999, "never 10000")
        #expect(four.magnitude(1.0) == 9999)
        #expect(four.magnitude(7) == 9999)
        #expect(four.magnitude(-0.3) == 0)
        #expect(four.magnitude(.nan) == 0)
        #expect(four.magnitude(.infinity) == 9999)
        let two = try TCodeEncoder(axes: map, digits: 2)
        #expect(two.magnitude(0.77) == 77)
        #expect(two.magnitude(1) == 99)
        #expect(two.command(TCodeAxis(.linear, 2), magnitude: 7) == "L207")
        let three = try TCodeEncoder(axes: map, digits: 3)
        #expect(three.command(TCodeAxis(.vibration, 1), magnitude: 5) == "V1005")
    }

    @Test func onlyChangedAxesAndNothingWhenNothingChanged() throws {
        var encoder = try TCodeEncoder(axes: TCodeAxisMap(profileAxes: osr2Axes))
        let values = ChannelValues(intensity: 0.3, x: 0.5, y: 0.5, pressure: 0.1)
        #expect(encoder.encode(values, at: 0) == "L05000 L11000 L25000 V03000\n")
        #expect(encoder.encode(values, at: 0.01) == nil)
        var moved = values
        moved.x = 0.50004  // rounds to the same 5000: not a change on the wire
        #expect(encoder.encode(moved, at: 0.02) == nil)
        moved.intensity = 0.31
        #expect(encoder.encode(moved, at: 0.03) == "V03100\n")
    }

    @Test func rampIntervalsFollowTheTimeBetweenTicks() throws {
        var encoder = try TCodeEncoder(axes: TCodeAxisMap(profileAxes: ["intensity": "V0"]), timing: .ramp)
        #expect(encoder.encode(ChannelValues(intensity: 0.1), at: 1.000) == "V01000\n")
        // A tick with no change still counts: the next interval is from it.
        #expect(encoder.encode(ChannelValues(intensity: 0.1), at: 1.010) == nil)
        #expect(encoder.encode(ChannelValues(intensity: 0.2), at: 1.013) == "V02000I3\n")
        #expect(encoder.encode(ChannelValues(intensity: 0.3), at: 1.0131) == "V03000\n", "under 1 ms: no I")
    }

    @Test func stopSendsDSTOPThenTheVibrationAxesAtZero() throws {
        var encoder = try TCodeEncoder(axes: TCodeAxisMap(profileAxes: osr2Axes.merging(["heat": "V1"]) { a, _ in a }))
        _ = encoder.encode(ChannelValues(intensity: 0.6, x: 0.2, y: 0.3, pressure: 0.4, heat: 0.5), at: 0)
        #expect(encoder.stop() == "DSTOP\nV00000 V10000\n")
        #expect(encoder.encode(ChannelValues(intensity: 0.6, x: 0.2, y: 0.3, pressure: 0.4, heat: 0.5), at: 1)
                == "L03000 L14000 L22000 V06000 V15000\n", "after a stop every axis is sent again")
        var linearOnly = try TCodeEncoder(axes: TCodeAxisMap(profileAxes: ["y": "L0"]), digits: 2)
        #expect(linearOnly.stop() == "DSTOP\n")
    }

    @Test func axisMapsAreCheckedWithMessagesThatSayWhatToDo() {
        #expect(throws: TCodeError.unknownChannel("speed")) { try TCodeAxisMap(profileAxes: ["speed": "L0"]) }
        #expect(throws: TCodeError.invalidAxis(channel: "x", axis: "Q0")) { try TCodeAxisMap(profileAxes: ["x": "Q0"]) }
        #expect(throws: TCodeError.invalidAxis(channel: "x", axis: "L10")) { try TCodeAxisMap(profileAxes: ["x": "L10"]) }
        #expect(throws: TCodeError.axisUsedTwice("L0")) { try TCodeAxisMap(profileAxes: ["x": "L0", "y": "l0"]) }
        #expect(throws: TCodeError.noAxes) { try TCodeAxisMap(profileAxes: [:]) }
        #expect(throws: TCodeError.invalidDigits(5)) {
            try TCodeEncoder(axes: TCodeAxisMap(profileAxes: ["intensity": "V0"]), digits: 5)
        }
        #expect(TCodeError.invalidAxis(channel: "x", axis: "Q0").description.contains("for example V0 or L2"))
        #expect(TCodeAxis(" v1 ") == TCodeAxis(.vibration, 1))
    }
}

@Suite struct LinkBudgetTests {
    @Test func eightNOneCarriesATenthOfTheBaudInBytes() {
        let budget = LinkBudget(baud: 115_200)
        #expect(budget.bytesPerSecond == 11_520)
        #expect(budget.usableBytesPerSecond == 10_368)
        #expect(budget.maxRate(bytesPerTick: 10) == 1036.8)
        #expect(budget.maxRate(bytesPerTick: 0) == .infinity)
        #expect(budget.share(rate: 100, bytesPerTick: 28.8) == 0.25)
    }

    @Test func theMeanOfAStreamOfLinesIncludingSilentTicks() {
        let budget = LinkBudget(baud: 9600)
        // 9600 baud: 960 bytes/s, 864 usable. Ticks of 12, 0, 12, 0 bytes: 6 a tick.
        let lines = ["V05000 L050\n", "", "V05000 L050\n", ""]
        #expect(budget.maxRate(lines: lines) == 144)
        #expect(budget.allowedRate(requested: 100, lines: lines) == 100)
        #expect(budget.allowedRate(requested: 200, lines: lines) == 144)
    }

    @Test func theOsr2GoldenStreamAt115200FitsAtItsRate() throws {
        var encoder = try TCodeEncoder(axes: TCodeAxisMap(profileAxes: osr2Axes), timing: .ramp)
        let lines = goldenSequence().map { encoder.encode($0.values, at: $0.time) ?? "" }
        let budget = LinkBudget(baud: 115_200)
        let bytes = lines.reduce(0) { $0 + $1.utf8.count }
        #expect(abs(budget.maxRate(lines: lines) - 10_368 / (Double(bytes) / 200)) < 1e-9)
        #expect(budget.maxRate(lines: lines) > 100)
        #expect(LinkBudget(baud: 9600).maxRate(lines: lines) < 100, "at 9600 baud 100 Hz does not fit")
    }
}
