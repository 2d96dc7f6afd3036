import KneadCore
import KneadDrivers
import KneadEngine
import KneadSystem

/// `knead bench stop --usb`: how long a stop takes to reach libusb on each USB device
/// a shipped USB profile names that is plugged in (or emulated: scripts/bench-usb-stop
/// runs this under Tests/Support/usb-mock). For each: the device idle (the floor: the
/// stop transfer submitted with nothing in flight) and the device playing
/// ever-changing frames at its profile's highest rate, stopped at random moments from
/// another thread. Timed from the call to the driver's `stop()` to the moment
/// `libusb_submit_transfer` returned for the stop's transfer (`USBStopTiming`).
public struct USBStopBenchmark: Sendable {
    public let configuration: StopBenchmark.Configuration
    public let profiles: [DeviceProfile]

    public init(configuration: StopBenchmark.Configuration, profiles: [DeviceProfile]) {
        self.configuration = configuration
        self.profiles = profiles.filter { $0.connection?.link == .usb }
    }

    /// Two rows per profile: idle (its floor), then playing, compared with the idle
    /// row; a profile whose device is absent gets one row saying so.
    public func run() -> [StopBenchmark.Summary] {
        var rows: [StopBenchmark.Summary] = []
        for profile in profiles {
            guard let rule = profile.connection?.match.first else { continue }
            let selector = USBSelector(vendorID: rule.vendorID, productID: rule.productID)
            let name = "USB \(profile.name) (\(selector.usbID))"
            let present = (try? USBListing.devices(matching: [profile]).get())?.contains { $0.profiles == [profile.name] }
            guard present == true else {
                rows.append(StopBenchmark.Summary(name: name, rate: nil, microseconds: [], lineShare: nil,
                                                  error: "no such device: plug it in, or run scripts/bench-usb-stop"))
                continue
            }
            let floor = idle(profile, selector, name: name + " idle")
            var busy = playing(profile, selector, name: name + " playing")
            for index in busy.indices { busy[index].baselineP99 = floor.p99 }
            rows.append(floor)
            rows += busy
        }
        return rows
    }

    private func open(_ profile: DeviceProfile, _ selector: USBSelector) -> Result<any Backend, BackendError> {
        do {
            let backend = try DeviceDrivers.backend(profile: profile, usb: selector)
            _ = try backend.open()
            return .success(backend)
        } catch {
            return .failure(error)
        }
    }

    /// Microseconds from the request to the stop's `libusb_submit_transfer` called and
    /// returned (both `stop()`'s return for a backend that cannot tell).
    static func latency(of backend: any Backend, requestedAt requested: UInt64) -> (called: Double, returned: Double) {
        let end = Double(MonotonicTime.nanoseconds() - requested) / 1000
        guard let timed = backend as? USBStopTiming else { return (end, end) }
        let (called, returned) = timed.stopSubmitTimes
        guard called >= requested, returned >= called else { return (end, end) }
        return (Double(called - requested) / 1000, Double(returned - requested) / 1000)
    }

    /// The floor: stops with nothing in flight, a few milliseconds apart.
    func idle(_ profile: DeviceProfile, _ selector: USBSelector, name: String) -> StopBenchmark.Summary {
        let backend: any Backend
        switch open(profile, selector) {
        case let .success(opened): backend = opened
        case let .failure(error):
            return StopBenchmark.Summary(name: name, rate: nil, microseconds: [], lineShare: nil, error: "\(error)")
        }
        defer { backend.close() }
        var samples: [Double] = []
        for _ in 0..<configuration.stops {
            let requested = MonotonicTime.nanoseconds()
            do {
                try backend.stop()
            } catch {
                return StopBenchmark.Summary(name: name, rate: nil, microseconds: samples, lineShare: nil,
                                             error: "\(error)")
            }
            samples.append(Self.latency(of: backend, requestedAt: requested).returned)
            backend.runWillStart()
            // Let the stop's transfer complete: the next one starts idle.
            ThreadPause.sleep(microseconds: 5_000)
        }
        return StopBenchmark.Summary(name: name, rate: nil, microseconds: samples, lineShare: nil, error: nil)
    }

    /// Stops at random moments while the engine plays changing frames at the profile's rate.
    /// Two rows: to `libusb_submit_transfer`'s return, and to its call (knead's own
    /// part, without the emulator's or the kernel's).
    func playing(_ profile: DeviceProfile, _ selector: USBSelector, name: String) -> [StopBenchmark.Summary] {
        let rate = profile.maxRate
        let backend: any Backend
        switch open(profile, selector) {
        case let .success(opened): backend = opened
        case let .failure(error):
            return [StopBenchmark.Summary(name: name, rate: rate, microseconds: [], lineShare: nil, error: "\(error)")]
        }
        var samples: [Double] = []
        var reached: [Double] = []
        let run = StopBenchmark.stopsWhilePlaying(backend: backend, profile: profile, rate: rate,
                                                  configuration: configuration) { requested in
            let latency = Self.latency(of: backend, requestedAt: requested)
            samples.append(latency.returned)
            reached.append(latency.called)
        }
        backend.close()
        let error = run.error ?? (samples.count < configuration.stops ? "play ended early: \(run.result.endReason)" : nil)
        return [StopBenchmark.Summary(name: name, rate: rate, microseconds: samples, lineShare: nil, error: error),
                StopBenchmark.Summary(name: name + " (to the call)", rate: rate, microseconds: reached, lineShare: nil,
                                      error: error)]
    }
}
