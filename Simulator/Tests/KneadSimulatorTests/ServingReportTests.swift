import KneadCore
import Testing
@testable import KneadSimulator

@Suite("Serving: status line and summary")
struct ServingReportTests {
    static func status(host: Bool?, stalled: Bool = false) -> ServeStatus {
        let state = DeviceState(time: 2.6, setIntensity: 0.5, setX: 210, setY: 600, setPressure: 0, setHeat: 0,
                                intensity: 0.4812, x: 210, y: 600, velocityX: 0, velocityY: 0, pressure: 0.2,
                                temperature: 22, position: BackPoint(x: 0.5, y: 0.875), intensityZeroThreshold: 0.002)
        return ServeStatus(time: 2.63, protocol: .tcode, hostPresent: host, bytesFromHost: 15, bytesToHost: 12_345,
                           stalled: stalled, state: state, hasPosition: true, hasPressure: true,
                           note: "last: V05 L09I800")
    }

    @Test func theStatusLineShowsTheDeviceFirstAndIsCutFromTheEnd() {
        #expect(Self.status(host: true).line(width: 200)
                == "tcode 2.6s ● │ I 50%→48% x 0.50 y 0.88 P 20% │ last: V05 L09I800 │ 15 B in, 12 kB out")
        #expect(Self.status(host: false, stalled: true).line(width: 200)
                == "tcode 2.6s ○ STALLED │ I 50%→48% x 0.50 y 0.88 P 20% │ last: V05 L09I800 │ 15 B in, 12 kB out")
        #expect(Self.status(host: nil).line(width: 40) == "tcode 2.6s │ I 50%→48% x 0.50 y 0.88 P…")
        #expect(Self.status(host: nil).line(width: 40).count == 39)
    }
}
