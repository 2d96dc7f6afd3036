import KneadCore
import KneadEngine
import KneadWire

/// Picks the driver for a profile's connection: `tcode` → `TCodeDriver` (immediate
/// mode), `kwp` → `KWPDriver` (lead mode). docs/drivers.md describes both.
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

    /// Why `profile` cannot drive a real port, worded for the command line; nil if it can.
    public static func problem(with profile: DeviceProfile) -> String? {
        guard profile.connection != nil else {
            return "the \(profile.name) profile has no connection section: it describes what the simulator plays, "
                + "not how to reach a device; use --device osr2, tcode-vibrator, knead-chair, knead-handheld, "
                + "or a profile file with a connection section (docs/drivers.md)"
        }
        return nil  // every DeviceProtocol has a driver
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
