import Testing
@testable import KneadWire
import KneadCore

@Suite struct KWPClockEstimatorTests {
    /// A device clock: ticks = offset + 1 MHz × (1 + drift) × host seconds.
    struct DeviceClock {
        var offset: Double
        var drift: Double
        func ticks(_ hostTime: Double) -> UInt64 { UInt64((offset + 1e6 * (1 + drift) * hostTime).rounded(.down)) }
    }

    @Test func recoversAKnownOffsetAndDriftDespiteJitterAndOutliers() {
        let clock = DeviceClock(offset: 12_345_678, drift: 350e-6)
        var estimator = KWPClockEstimator(nominalHz: 1e6)
        var random = SplitMix64(seed: 0xC10C)
        var hostTime = 3.0
        for _ in 0..<80 {
            hostTime += 0.25
            // Each way: 0.4–1.2 ms; one reply in five is held up 5–30 ms on one leg.
            var out = 0.0004 + Double(random.next() % 800) / 1e6
            var back = 0.0004 + Double(random.next() % 800) / 1e6
            if random.chance(0.2) {
                if random.chance(0.5) { out += 0.005 + Double(random.next() % 25_000) / 1e6 }
                else { back += 0.005 + Double(random.next() % 25_000) / 1e6 }
            }
            estimator.addSample(sentAt: hostTime, deviceTicks: clock.ticks(hostTime + out),
                                receivedAt: hostTime + out + back)
        }
        #expect(abs(estimator.drift - 350e-6) < 20e-6, "drift \(estimator.drift)")
        // Predicting 2 s past the last sample, within 0.5 ms.
        let future = hostTime + 2
        let error = estimator.deviceTicks(atHostTime: future) - Double(clock.ticks(future))
        #expect(abs(error) < 500, "prediction error \(error) ticks")
        #expect(estimator.acceptedSamples.count < estimator.samples.count, "outliers were rejected")
    }

    @Test func withoutOutlierRejectionTheSameDataWouldBeWorse() {
        // The same delayed replies fitted naively shift the midpoint by half their delay;
        // rejection keeps the error below a tenth of that.
        let clock = DeviceClock(offset: 5_000_000, drift: 0)
        var estimator = KWPClockEstimator(nominalHz: 1e6)
        for index in 0..<10 {
            let sent = Double(index) * 0.1
            let delayedOut = index % 2 == 0 ? 0.020 : 0.0005
            estimator.addSample(sentAt: sent, deviceTicks: clock.ticks(sent + delayedOut),
                                receivedAt: sent + delayedOut + 0.0005)
        }
        let error = estimator.deviceTicks(atHostTime: 2) - Double(clock.ticks(2))
        #expect(abs(error) < 1, "\(error) ticks")
        #expect(estimator.acceptedSamples.count == 5)
    }

    @Test func usesTheNominalRateUntilSamplesSpanOneSecond() {
        let clock = DeviceClock(offset: 1000, drift: 0.01)
        var estimator = KWPClockEstimator(nominalHz: 1e6)
        for index in 0..<6 {
            let sent = 1 + Double(index) * 0.01
            estimator.addSample(sentAt: sent, deviceTicks: clock.ticks(sent + 0.001), receivedAt: sent + 0.002)
        }
        #expect(estimator.rate == 1e6)
        #expect(estimator.drift == 0)
        estimator.addSample(sentAt: 2.5, deviceTicks: clock.ticks(2.501), receivedAt: 2.502)
        #expect(abs(estimator.drift - 0.01) < 1e-5)
    }

    @Test func convertsBackFromDeviceTimeAcrossThe32BitWrap() {
        var estimator = KWPClockEstimator(nominalHz: 1e6)
        let base: UInt64 = 0xFFFF_F000
        estimator.addSample(sentAt: 10, deviceTicks: base, receivedAt: 10)
        // 0x1000 ticks after the wrap is 8192 µs after the sample.
        let hostTime = estimator.hostTime(atDeviceTime32: 0x0000_1000, near: 10)
        #expect(abs(hostTime - (10 + 0.008192)) < 1e-9)
        #expect(abs(estimator.hostTime(atDeviceTime32: 0xFFFF_E000, near: 10) - (10 - 0.004096)) < 1e-9)
    }

    @Test func nonsenseSamplesAreIgnored() {
        var estimator = KWPClockEstimator(nominalHz: 1e6)
        estimator.addSample(sentAt: 2, deviceTicks: 5, receivedAt: 1)
        estimator.addSample(sentAt: .nan, deviceTicks: 5, receivedAt: 1)
        #expect(!estimator.isSynchronized)
    }
}
