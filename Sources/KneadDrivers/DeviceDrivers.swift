import KneadCore
import KneadEngine
import KneadWire

/// Picks the driver for a profile's connection: `tcode` → `TCodeDriver` (immediate
/// mode), `kwp` → `KWPDriver` (lead mode, serial or USB), `xbox360-rumble` and
/// `rez-trancevibrator` → `USBReportDriver` (immediate mode, USB). docs/drivers.md
/// describes them all.
public enum DeviceDrivers {
    public struct Options: Sendable {
        /// Which code opens the port (default: termios for a pseudo-terminal, else libserialport).
        public var transport: SerialBackendChoice
        public var tcode = TCodeDriver.Options()
        public var kwp = KWPDriver.Options()

        public init(transport: SerialBackendChoice = .auto) {
            self.transport = transport
            tcode.transport = transport
            kwp.transport = transport
        }

        /// Reads `KNEAD_SERIAL_TRANSPORT` (auto, libserialport, termios).
        public static func from(environment: [String: String]) -> Options {
            Options(transport: SerialBackendChoice.from(environment: environment))
        }
    }

    /// Why `profile` cannot drive a real device over `link`, worded for the command
    /// line; nil if it can.
    public static func problem(with profile: DeviceProfile, on link: DeviceLink = .serial) -> String? {
        guard let connection = profile.connection else {
            let names = link == .serial ? "osr2, tcode-vibrator, knead-chair, knead-handheld"
                : "knead-usb, xbox360-rumble, rez-trancevibrator"
            return "the \(profile.name) profile has no connection section: it describes what the simulator plays, "
                + "not how to reach a device; use --device \(names), "
                + "or a profile file with a connection section (docs/drivers.md)"
        }
        guard connection.link == link else {
            let other = connection.link
            return "the \(profile.name) profile's device is reached over \(other.rawValue), not \(link.rawValue): "
                + "use \(other.option) with it, or a profile whose connection says link: \(link.rawValue) "
                + (link == .usb ? "(knead-usb, xbox360-rumble, rez-trancevibrator)" : "(osr2, knead-chair, …)")
        }
        return nil  // every DeviceProtocol has a driver on each of its links
    }

    /// A backend for the USB device `selector` described by `profile`. Not opened yet.
    public static func backend(profile: DeviceProfile, usb selector: USBSelector) throws(BackendError) -> any Backend {
        if let problem = problem(with: profile, on: .usb) { throw .refused(problem) }
        switch profile.connection?.protocol {
        case .kwp?: return try KWPDriver(profile: profile, usb: selector)
        default: return try USBReportDriver(profile: profile, usb: selector)
        }
    }

    /// A backend for the device described by `profile` on the port at `path`. Not opened yet.
    public static func backend(profile: DeviceProfile, path: String,
                               options: Options = Options()) throws(BackendError) -> any Backend {
        if let problem = problem(with: profile) { throw .refused(problem) }
        switch profile.connection?.protocol {
        case .kwp?: return try KWPDriver(profile: profile, path: path, options: options.kwp)
        default: return try TCodeDriver(profile: profile, path: path, options: options.tcode)
        }
    }

    /// The rate to play `profile` at over its link when `requested` is asked for: TCode
    /// lines must fit 90 % of the line (`TCodeLinkPlan`); the knead wire protocol's
    /// batches fit at every rate its profiles allow. The note says what was changed.
    public static func linkRate(profile: DeviceProfile, requested: Double) -> (rate: Double, note: String?) {
        guard let connection = profile.connection, connection.protocol == .tcode,
              let axes = try? TCodeAxisMap(profileAxes: connection.axes.orDefault.names)
        else { return (requested, nil) }
        let plan = TCodeLinkPlan(axes: axes, baud: connection.baud, requestedRate: requested)
        return (plan.rate, plan.note)
    }
}
