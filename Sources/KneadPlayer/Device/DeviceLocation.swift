import KneadCore
import KneadDrivers
import KneadEngine
import KneadSimulator

/// Where the device that plays is: the built-in simulator, which plays the device
/// profile, a serial port (`--port PATH`) or a USB device (`--usb ID`); KneadDrivers
/// picks the driver from the profile's connection.
public enum DeviceLocation: Sendable, Equatable {
    case simulator
    case serialPort(String)
    case usb(USBSelector)

    /// The simulator can run on a scaled clock; a real device keeps real time.
    public var isSimulated: Bool { self == .simulator }

    public var description: String {
        switch self {
        case .simulator: return "the built-in simulator"
        case let .serialPort(path): return "serial port \(path)"
        case let .usb(id): return "USB device \(id)"
        }
    }

    /// Options that only make sense for the simulator, refused for a real device.
    public func validate(timeScale: Double, trace: String?, fault: String?) -> String? {
        guard !isSimulated else { return nil }
        if timeScale != 1 {
            return "--time-scale plays the simulator faster than real time; \(description) keeps real time, so it refuses it"
        }
        if trace != nil {
            return "--trace records what the simulator did; \(description) has no such record"
        }
        if fault != nil {
            return "--fault injects faults into the simulator; \(description) has its own"
        }
        return nil
    }

    /// The rate to play at: a real device's link may carry less than was asked for
    /// (TCode lines within 90 % of the serial line), with a note saying so. A profile
    /// that cannot drive a real device gives `.failure` with the problem.
    public func linkRate(profile: DeviceProfile, requested: Double) -> Result<(rate: Double, note: String?), LinkProblem> {
        switch self {
        case .simulator: return .success((requested, nil))
        case .usb:
            if let problem = DeviceDrivers.problem(with: profile, on: .usb) { return .failure(LinkProblem(message: problem)) }
            return .success((requested, nil))
        case .serialPort: break
        }
        if let problem = DeviceDrivers.problem(with: profile) { return .failure(LinkProblem(message: problem)) }
        let (rate, note) = DeviceDrivers.linkRate(profile: profile, requested: requested)
        return .success((rate, note))
    }
}

/// Why a profile cannot drive the device at a location.
public struct LinkProblem: Error, Sendable, Equatable {
    public let message: String
}

/// A backend for a location, and what only the simulator can report afterwards.
struct PlayDevice {
    let backend: any Backend
    /// Set when the backend is the simulator: its report after the run.
    let simulator: SimulatorBackend?

    enum Failure: Error {
        /// The trace file could not be created (EX_CANTCREAT).
        case cannotCreateTrace(String)
        /// No way to reach the device (EX_UNAVAILABLE).
        case unavailable(String)
    }

    static func make(location: DeviceLocation, profile: DeviceProfile, body: BodyProfile,
                     clock: any EngineClock, timeScale: Double = 1, tracePath: String?,
                     faults: SimulatorFaults, environment: [String: String]) throws(Failure) -> PlayDevice {
        switch location {
        case .simulator:
            var sink: FileTraceSink?
            if let tracePath {
                do {
                    sink = try FileTraceSink(path: tracePath)
                } catch {
                    throw .cannotCreateTrace("\(error)")
                }
            }
            // The simulator runs on the scaled clock; its watchdog keeps the profile's period
            // in *real* time, or a host hiccup of 4 ms at --time-scale 60 would trip it
            // (9 trips in one 13-second play of desk-reset under load).
            let watchdog = timeScale == 1 ? nil : profile.watchdog * timeScale
            let configuration = SimulatorConfiguration(
                device: DeviceModel.Configuration(watchdogPeriod: watchdog, body: body), faults: faults)
            let simulator = SimulatorBackend(profile: profile, configuration: configuration, trace: sink, clock: clock)
            return PlayDevice(backend: simulator, simulator: simulator)
        case let .serialPort(path):
            do {
                let options = DeviceDrivers.Options.from(environment: environment)
                return PlayDevice(backend: try DeviceDrivers.backend(profile: profile, path: path, options: options),
                                  simulator: nil)
            } catch {
                throw .unavailable(error.description)
            }
        case let .usb(selector):
            do {
                return PlayDevice(backend: try DeviceDrivers.backend(profile: profile, usb: selector), simulator: nil)
            } catch {
                throw .unavailable(error.description)
            }
        }
    }
}
