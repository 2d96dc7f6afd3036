/// What a device can do: its channels, their resolution and speed, its own caps.
///
/// Profiles are inputs of the compiler (travel speed, which channels exist) and of
/// the safety envelope (caps and slew limits). The built-in `chair` and `handheld`
/// are written out in Profiles/*.yaml and documented in docs/profiles.md; a profile
/// file may be given anywhere a profile name is accepted.
public struct DeviceProfile: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case chair, handheld
    }

    /// A 0…1 channel as the device implements it.
    public struct Channel: Sendable, Equatable {
        /// Distinct levels the device can set (256 for an 8-bit PWM).
        public var steps: Int
        /// Fastest change the device (and the envelope) allows, in full scale per second.
        public var maxSlew: Double
        /// The device's own cap, 0…1.
        public var max: Double
        public init(steps: Int, maxSlew: Double, max: Double = 1) {
            self.steps = steps
            self.maxSlew = maxSlew
            self.max = max
        }
    }

    /// A roller or massage head that moves over the back.
    public struct Position: Sendable, Equatable {
        /// Track length across the back (x) and along it (y), millimetres.
        public var trackWidth: Double
        public var trackLength: Double
        /// Fastest and most sudden movement, mm/s and mm/s².
        public var maxSpeed: Double
        public var maxAcceleration: Double
        /// Distinct positions along each axis.
        public var steps: Int
        public init(trackWidth: Double, trackLength: Double, maxSpeed: Double,
                    maxAcceleration: Double, steps: Int) {
            self.trackWidth = trackWidth
            self.trackLength = trackLength
            self.maxSpeed = maxSpeed
            self.maxAcceleration = maxAcceleration
            self.steps = steps
        }
    }

    /// A heating element.
    public struct Heat: Sendable, Equatable {
        public var channel: Channel
        /// Temperature at heat 1.0 and the hard cap the element never exceeds, °C.
        public var maxTemperature: Double
        /// First-order time constant of the element warming and cooling, seconds.
        public var timeConstant: Double
        public init(channel: Channel, maxTemperature: Double, timeConstant: Double) {
            self.channel = channel
            self.maxTemperature = maxTemperature
            self.timeConstant = timeConstant
        }
    }

    /// A mechanism that makes a fast rhythm itself (a chair's tapping and kneading
    /// heads): given a rate and a depth it taps, rather than following each tap as
    /// intensity samples. The `percussion` key of a profile file (issue 9; the
    /// compiler, envelope, wire and simulator do not use it yet).
    public struct Percussion: Sendable, Equatable {
        /// The rates the mechanism can run at, Hz.
        public var minRate: Double
        public var maxRate: Double
        /// Distinct depths it can set.
        public var steps: Int
        public init(minRate: Double, maxRate: Double, steps: Int) {
            self.minRate = minRate
            self.maxRate = maxRate
            self.steps = steps
        }
    }

    public var name: String
    public var summary: String
    public var kind: Kind
    public var intensity: Channel
    public var pressure: Channel?
    public var position: Position?
    public var heat: Heat?
    /// Nil: the device has no percussion mechanism (rhythms are intensity samples).
    public var percussion: Percussion? = nil
    /// Highest frame rate the device accepts, Hz.
    public var maxRate: Double
    /// Motor response: first-order time constant, seconds (the simulator models it).
    public var motorLag: Double
    /// The device ramps to zero by itself when frames stop for this long, seconds.
    public var watchdog: Double
    /// How long a way out (the end, q, Ctrl-C, SIGTERM, the session cap) takes to ramp
    /// everything to zero before the device is stopped, seconds; at most
    /// `SafetyLimits.longestStopRamp`. The `stop-ramp` key of a profile file.
    public var stopRamp: Double = DeviceProfile.defaultStopRamp
    /// Where the device is and how it talks (filled in by the driver issues).
    public var connection: Connection?

    public init(name: String, summary: String, kind: Kind, intensity: Channel,
                pressure: Channel? = nil, position: Position? = nil, heat: Heat? = nil,
                maxRate: Double, motorLag: Double = 0.08, watchdog: Double = 0.25,
                percussion: Percussion? = nil, connection: Connection? = nil) {
        self.name = name
        self.percussion = percussion
        self.summary = summary
        self.kind = kind
        self.intensity = intensity
        self.pressure = pressure
        self.position = position
        self.heat = heat
        self.maxRate = maxRate
        self.motorLag = motorLag
        self.watchdog = watchdog
        self.connection = connection
    }

    /// A quarter of a second: quick enough that a stop feels immediate, slow enough
    /// that a roller under firm pressure eases off rather than drops.
    public static let defaultStopRamp = 0.25

    /// How the host reaches a real device. Empty for the simulated built-ins.
    public struct Connection: Sendable, Equatable {
        public var `protocol`: DeviceProtocol
        /// Serial port or USB (the `link` key; default serial, or usb for a USB-only protocol).
        public var link: DeviceLink
        /// USB: the interface the driver claims (default 0).
        public var interface: Int = 0
        public var baud: Int
        /// Modem lines: left off unless the profile says so (toggling them resets boards).
        public var dtr: Bool
        public var rts: Bool
        /// TCode: channel → axis (`intensity: V0, y: L0`); empty for other protocols.
        public var axes: TCodeAxes
        /// TCode: the device queries the device answers (`D0`, `D1`, `D2`); D1 is always asked.
        public var answers: [String]
        /// Knead wire protocol: how far ahead frames are sent, seconds (nil: the driver's default).
        public var lead: Double?
        /// TCode: seconds over which the first line after connect or stop eases into
        /// its position (nil: the driver's default).
        public var startRamp: Double?
        /// Ports (serial link) or USB devices (usb link) this profile is for, by USB id.
        public var match: [PortMatch]
        public init(protocol: DeviceProtocol, link: DeviceLink? = nil, baud: Int = 115_200, dtr: Bool = false, rts: Bool = false,
                    axes: TCodeAxes = [:], answers: [String] = [], lead: Double? = nil,
                    startRamp: Double? = nil, match: [PortMatch] = []) {
            self.protocol = `protocol`
            self.link = link ?? `protocol`.links[0]
            self.baud = baud
            self.dtr = dtr
            self.rts = rts
            self.axes = axes
            self.answers = answers
            self.lead = lead
            self.startRamp = startRamp
            self.match = match
        }
    }
}

extension DeviceProfile {
    /// A massage chair's controller: one roller on an x/y track with pressure and heat.
    public static let chair = DeviceProfile(
        name: "chair",
        summary: "Massage chair: roller on an x/y track, pressure, heat pad",
        kind: .chair,
        intensity: Channel(steps: 256, maxSlew: 2.0),
        pressure: Channel(steps: 64, maxSlew: 1.0),
        position: Position(trackWidth: 420, trackLength: 700, maxSpeed: 120,
                           maxAcceleration: 600, steps: 1024),
        heat: Heat(channel: Channel(steps: 16, maxSlew: 0.2, max: 1), maxTemperature: 45,
                   timeConstant: 30),
        maxRate: 2000,
        motorLag: 0.08,
        watchdog: 0.25,
        percussion: Percussion(minRate: 1, maxRate: 12, steps: 64))

    /// A handheld vibration/percussion massager: intensity only; the person holds it
    /// where the frames' position says.
    public static let handheld = DeviceProfile(
        name: "handheld",
        summary: "Handheld vibration/percussion massager: intensity only",
        kind: .handheld,
        intensity: Channel(steps: 100, maxSlew: 3.0),
        maxRate: 1000,
        motorLag: 0.08,
        watchdog: 0.25)

    public static let builtIn: [DeviceProfile] = [.chair, .handheld]

    public static func builtIn(named name: String) -> DeviceProfile? {
        builtIn.first { $0.name == name }
    }

    /// How fast the compiler moves between zones, in normalized back units per second,
    /// for this body. A handheld has no motor: the person is guided at a calm hand speed.
    public func travelSpeed(for body: BodyProfile) -> Double {
        let mmPerSecond = position?.maxSpeed ?? BodyProfile.handGuidanceSpeed
        return mmPerSecond / Swift.max(body.shoulderHeight, body.backWidth)
    }
}

/// The person's size: scales normalized anatomy to millimetres, as a chair's body scan does.
public struct BodyProfile: Sendable, Equatable {
    /// Lower end of the rib cage to the base of the neck, mm.
    public var shoulderHeight: Double
    /// Across the back at the shoulder blades, mm.
    public var backWidth: Double
    public init(shoulderHeight: Double = 320, backWidth: Double = 400) {
        self.shoulderHeight = shoulderHeight
        self.backWidth = backWidth
    }
    public static let `default` = BodyProfile()

    /// A calm speed to move a handheld massager over the back, mm/s.
    public static let handGuidanceSpeed = 80.0

    /// Distance between two anatomical points on this body, mm.
    public func millimetres(from a: BackPoint, to b: BackPoint) -> Double {
        let dx = (b.x - a.x) * backWidth, dy = (b.y - a.y) * shoulderHeight
        return (dx * dx + dy * dy).squareRoot()
    }
}
