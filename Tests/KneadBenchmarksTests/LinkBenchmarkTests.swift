import KneadBenchmarks
import KneadEngine
import Testing

@Suite("Link benchmark: rows, sweep, stalled host")
struct LinkBenchmarkTests {
    static func row(_ protocolName: String = "tcode", rate: Double, sustained: Bool) -> LinkRow {
        LinkRow(protocolName: protocolName, rate: rate, framesSent: 27, bytesPerSecond: 1984.4, share: 0.17226,
                bytesPerFrame: 38.24, returnBytesPerSecond: 181, delayP99: 0.0035, delayMax: 0.00351,
                sustained: sustained)
    }

    @Test func aTCodeRowLinesUpUnderTheHeader() {
        let line = Self.row(rate: 50, sustained: true).line
        #expect(line == "tcode          50      27             1984  17.2 %     38.2              181"
                    + "              3.5 / 3.5         -     -                -  yes")
        #expect(LinkRow.header.hasPrefix("protocol  rate Hz  frames  host→device B/s"))
    }

    @Test func aWireProtocolRowShowsExecutionResendsAndTheError() {
        var row = Self.row("kwp", rate: 700, sustained: false)
        row.executed = 2090
        row.late = 3
        row.retransmitted = (packets: 4, timeouts: 1)
        row.error = "stopped (user)"
        #expect(row.line == "kwp           700      27             1984  17.2 %     38.2              181"
                    + "              3.5 / 3.5      2090     3              4/1  no (stopped (user))")
    }

    @Test func sustainedMeansNoErrorAndTheLineKeptUp() {
        #expect(LinkRow.isSustained(error: nil, framesSent: 100, delayMax: 0.02, kwp: nil))
        #expect(!LinkRow.isSustained(error: nil, framesSent: 100, delayMax: 0.0201, kwp: nil))
        #expect(!LinkRow.isSustained(error: "open: gone", framesSent: 100, delayMax: 0, kwp: nil))
        // The wire protocol is judged on the device: every setpoint accepted, none late,
        // whatever the line delay.
        #expect(LinkRow.isSustained(error: nil, framesSent: 100, delayMax: 0.5, kwp: (accepted: 100, late: 0)))
        #expect(!LinkRow.isSustained(error: nil, framesSent: 100, delayMax: 0, kwp: (accepted: 99, late: 0)))
        #expect(!LinkRow.isSustained(error: nil, framesSent: 100, delayMax: 0, kwp: (accepted: 100, late: 1)))
    }

    @Test func theSweepStopsAfterTwoFailuresInARowAndKeepsTheBest() {
        let outcomes: [Double: Bool] = [50: true, 100: true, 200: false, 250: true, 300: false, 325: false, 350: true]
        var measured: [Double] = []
        let best = LinkSweep.run(rates: [50, 100, 200, 250, 300, 325, 350],
                                 measure: { Self.row(rate: $0, sustained: outcomes[$0]!) },
                                 report: { measured.append($0.rate) })
        #expect(measured == [50, 100, 200, 250, 300, 325])
        #expect(best?.rate == 250)
    }

    @Test func theSummaryNamesTheHighestRateOrNone() {
        #expect(LinkSweep.summary(protocolName: "tcode", best: Self.row(rate: 100, sustained: true))
                    == "highest rate sustained, tcode: 100 Hz, 1984 bytes/s = 17 % of the line (38.2 bytes a frame)\n")
        #expect(LinkSweep.summary(protocolName: "kwp", best: nil)
                    == "highest rate sustained, kwp: none of the rates tried\n")
    }

    @Test func timingErrorsAreAgainstTheMedianOffset() {
        // 10 Hz: setpoints due at 0, 0.1, 0.2, 0.3 after the first; the device clock is
        // 5 s ahead and the third setpoint ran 4 ms late, in a batch of two.
        let errors = StalledHostReport.timingErrors(
            executions: [(time: 5.0, count: 1), (time: 5.1, count: 1), (time: 5.204, count: 2)], rate: 10)
        // Offsets 5.0, 5.0, 5.004, 4.904: the median is 5.0; the errors 0, 0, 4 ms and
        // 96 ms (the fourth ran with the third, early), and the p50 is the upper middle.
        #expect(abs(errors.p50 - 0.004) < 1e-9)
        #expect(abs(errors.p99 - 0.096) < 1e-9)
        #expect(abs(errors.max - 0.096) < 1e-9)
        #expect(StalledHostReport.timingErrors(executions: [], rate: 10) == (0, 0, 0))
    }

    @Test func percentileIsNearestRank() {
        #expect(StalledHostReport.percentile([5, 1, 4, 2, 3], 0.5) == 3)
        #expect(StalledHostReport.percentile([5, 1, 4, 2, 3], 0.99) == 5)
        #expect(StalledHostReport.percentile([], 0.5) == 0)
    }

    @Test func theStalledHostReportText() {
        let report = StalledHostReport(rate: 200, seconds: 10, stalls: 9, framesSent: 2001, executed: 2001,
                                       lateOnDevice: 0, deviceError: (p50: 0.00012, p99: 0.00093, max: 0.0021),
                                       hostLateness: LatenessSummary(count: 2001, p50: 10_000, p99: 45_180_000,
                                                                     p999: 49_000_000, max: 50_120_000),
                                       error: "stopped (user)")
        #expect(report.text == """
            Knead wire protocol at 200 Hz for 10 s, the host's engine stalled 9 times for 50 ms at random:
              host: frames handed to the driver late by p99 45.18 ms, max 50.12 ms
              device: 2001 of 2001 setpoints executed, 0 late; timing error (executed − due, median removed) \
            p50 0.12 ms, p99 0.93 ms, max 2.10 ms; target: no frame late
              error: stopped (user)\n
            """)
    }

    @Test func theStallPlanRepeatsForASeedAndStallsAboutOnceASecond() {
        let plan = StallPlan(duration: 0.05, seed: 7), again = StallPlan(duration: 0.05, seed: 7)
        let times = stride(from: 0.0, to: 10.0, by: 0.005)
        let draws = times.filter { plan.draw(at: $0) }
        #expect(draws == times.filter { again.draw(at: $0) })
        #expect(plan.count == draws.count)
        #expect((6...20).contains(plan.count))
        // Never two stalls within half a second.
        for (a, b) in zip(draws, draws.dropFirst()) { #expect(b - a >= 0.5 - 1e-9) }
    }
}
