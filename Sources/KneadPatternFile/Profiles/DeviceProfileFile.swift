import Foundation
import KneadCore
import Yams

/// Device profile files (YAML) to `DeviceProfile`. The format is documented in
/// docs/profiles.md; Profiles/chair.yaml and Profiles/handheld.yaml are the built-ins
/// written out in it.
public enum DeviceProfileFile {
    static let topKeys = ["name", "summary", "kind", "intensity", "pressure", "position", "heat",
                          "percussion", "max-rate", "motor-lag", "watchdog", "stop-ramp", "connection"]
    static let channelKeys = ["steps", "max-slew", "max"]
    static let positionKeys = ["track-width", "track-length", "max-speed", "max-acceleration", "steps"]
    static let heatKeys = channelKeys + ["max-temperature", "time-constant"]
    static let percussionKeys = ["min-rate", "max-rate", "steps"]
    static let connectionKeys = ["protocol", "link", "interface", "baud", "dtr", "rts", "axes", "answers", "lead", "start-ramp", "match"]
    static let protocols = DeviceProtocol.allCases.map(\.rawValue)
    static let channelNames = DeviceProfile.ChannelName.allCases.map(\.rawValue)

    /// A built-in name (`chair`, `handheld`), the name of a profile in a search folder
    /// (`Profiles/<name>.yaml`), or the path of a profile file.
    public static func resolve(_ nameOrPath: String,
                               searchDirectories: [String]? = nil) -> ProfileFileResult<DeviceProfile> {
        if ProfileLookup.isPath(nameOrPath) { return load(path: nameOrPath) }
        if let builtIn = DeviceProfile.builtIn(named: nameOrPath) {
            return ProfileFileResult(file: nameOrPath, profile: builtIn, diagnostics: [], fileProblem: nil)
        }
        let directories = searchDirectories ?? ProfileLookup.defaultSearchDirectories()
        if let path = ProfileLookup.find(nameOrPath, in: directories) { return load(path: path) }
        let known = DeviceProfile.builtIn.map(\.name) + ProfileLookup.names(in: directories)
        var unique: [String] = []
        for name in known where !unique.contains(name) { unique.append(name) }
        return .failed(nameOrPath, .missing,
                       message: "unknown device profile '\(nameOrPath)'" + Suggestions.didYouMean(nameOrPath, among: unique),
                       hint: "profiles: " + unique.joined(separator: ", ") + "; or give the path of a profile file")
    }

    public static func load(path: String) -> ProfileFileResult<DeviceProfile> {
        switch DocumentInput.read(path: path) {
        case let .failure(problem): return .failed(path, problem)
        case let .success(data): return parse(data: data, fileName: path)
        }
    }

    public static func parse(data: Data, fileName: String) -> ProfileFileResult<DeviceProfile> {
        .from(DocumentInput.root(data: data, emptyHint: emptyHint), file: fileName, parse: profile)
    }

    public static func parse(text: String, fileName: String) -> ProfileFileResult<DeviceProfile> {
        .from(DocumentInput.root(text: text, emptyHint: emptyHint), file: fileName, parse: profile)
    }

    static let emptyHint = "a device profile needs at least name, kind, intensity and max-rate (see docs/profiles.md)"

    // MARK: - Reading

    static func profile(_ root: Node, _ reader: NodeReader) -> DeviceProfile? {
        guard let fields = reader.fields(root, what: "a device profile (a mapping with name, kind, intensity, …)",
                                         known: topKeys, required: ["name", "kind", "intensity", "max-rate"]) else {
            return nil
        }
        let name = reader.text(fields["name"])
        let summary = fields["summary"].flatMap { NodeReader.isNull($0.value) ? "" : reader.text($0) } ?? ""
        let kind = reader.choice(fields["kind"], among: DeviceProfile.Kind.allCases.map(\.rawValue))
            .flatMap(DeviceProfile.Kind.init(rawValue:))
        let intensity = fields["intensity"].flatMap { channel($0, reader) }
        let pressure = fields["pressure"].flatMap { channel($0, reader) }
        let position = fields["position"].flatMap { self.position($0, reader) }
        let heat = fields["heat"].flatMap { self.heat($0, reader) }
        let percussion = fields["percussion"].flatMap { self.percussion($0, reader) }
        let maxRate = reader.value(fields["max-rate"]) { Values.positive(.rate, $0, key: $1, maximum: 10_000) }
        let errors = reader.errorCount
        var profile = DeviceProfile(name: "", summary: summary, kind: .chair, intensity: .init(steps: 2, maxSlew: 1),
                                    maxRate: 1)
        if let entry = fields["motor-lag"], let lag = reader.value(entry, { text, key in
            Values.duration(text, key: key, allowZero: true).flatMap { lag in
                lag > 10 ? .failure(ValueProblem("\(key) \(text) is more than 10s")) : .success(lag)
            }
        }) { profile.motorLag = lag }
        if let entry = fields["watchdog"], let period = reader.value(entry, { text, key in
            Values.duration(text, key: key).flatMap { period in
                period > 60 ? .failure(ValueProblem("\(key) \(text) is more than 60s",
                                                    hint: "the device stops by itself this long after the host falls silent"))
                            : .success(period)
            }
        }) { profile.watchdog = period }
        if let entry = fields["stop-ramp"], let ramp = reader.value(entry, { text, key in
            Values.duration(text, key: key, allowZero: true).flatMap { ramp in
                ramp > SafetyLimits.longestStopRamp
                    ? .failure(ValueProblem("\(key) \(text) is more than \(Int(SafetyLimits.longestStopRamp * 1000))ms",
                                            hint: "every way out reaches zero within this; write e.g. stop-ramp: 250ms"))
                    : .success(ramp)
            }
        }) { profile.stopRamp = ramp }
        let connection = fields["connection"].flatMap { self.connection($0, reader) }
        if percussion != nil, let proto = connection?.protocol, proto != .kwp, let entry = fields["percussion"] {
            // Taps would be dropped on the way, not sampled: refuse rather than lose them.
            reader.error(entry.keyLocation, "percussion needs a protocol that carries it; \(proto.rawValue) has no "
                         + "percussion channel", hint: "use protocol: kwp, or remove percussion so taps are sent as intensity")
        }

        guard let name, let kind, let intensity, let maxRate, reader.errorCount == errors else { return nil }
        profile.name = name
        profile.kind = kind
        profile.intensity = intensity
        profile.pressure = pressure
        profile.position = position
        profile.heat = heat
        profile.percussion = percussion
        profile.maxRate = maxRate
        profile.connection = connection
        return profile
    }

    private static func channel(_ entry: Entry, _ reader: NodeReader) -> DeviceProfile.Channel? {
        guard let fields = reader.fields(entry.value, what: "a channel {steps: 256, max-slew: 2/s}",
                                         known: channelKeys, required: ["steps", "max-slew"],
                                         owner: entry.keyLocation) else { return nil }
        return channel(fields, reader)
    }

    private static func channel(_ fields: [String: Entry], _ reader: NodeReader) -> DeviceProfile.Channel? {
        let steps = reader.value(fields["steps"]) { Values.wholeNumber($0, key: $1, range: 2...1_000_000) }
        let slew = reader.value(fields["max-slew"]) { Values.positive(.slew, $0, key: $1, maximum: 1000) }
        var max: Double? = 1
        if let maxEntry = fields["max"] {
            max = reader.value(maxEntry) { text, key in
                Values.level(text, key: key).flatMap { level in
                    level > 0 ? .success(level)
                              : .failure(ValueProblem("\(key) must be more than 0 (got \(text))",
                                                      hint: "leave the channel out if the device does not have it"))
                }
            }
        }
        guard let steps, let slew, let max else { return nil }
        return DeviceProfile.Channel(steps: steps, maxSlew: slew, max: max)
    }

    private static func position(_ entry: Entry, _ reader: NodeReader) -> DeviceProfile.Position? {
        guard let fields = reader.fields(entry.value, what: "a position {track-width: 420mm, …}", known: positionKeys,
                                         required: positionKeys, owner: entry.keyLocation) else { return nil }
        let width = reader.value(fields["track-width"]) { Values.positive(.length, $0, key: $1, maximum: 5000) }
        let length = reader.value(fields["track-length"]) { Values.positive(.length, $0, key: $1, maximum: 5000) }
        // Travel between zones is timed from these: a crawl of a track would make a
        // five-minute pattern last days, and a near-zero value overflows the timeline.
        let speed = reader.value(fields["max-speed"]) {
            Values.within(.speed, $0, key: $1, range: 1...1000,
                          belowHint: "travel between zones is timed from it; the chair profile has 120mm/s")
        }
        let acceleration = reader.value(fields["max-acceleration"]) {
            Values.within(.acceleration, $0, key: $1, range: 10...100_000,
                          belowHint: "travel between zones is timed from it; the chair profile has 600mm/s2")
        }
        let steps = reader.value(fields["steps"]) { Values.wholeNumber($0, key: $1, range: 2...1_000_000) }
        guard let width, let length, let speed, let acceleration, let steps else { return nil }
        return DeviceProfile.Position(trackWidth: width, trackLength: length, maxSpeed: speed,
                                      maxAcceleration: acceleration, steps: steps)
    }

    private static func heat(_ entry: Entry, _ reader: NodeReader) -> DeviceProfile.Heat? {
        guard let fields = reader.fields(entry.value, what: "heat {steps: 16, max-slew: 0.2/s, max-temperature: 45°C, …}",
                                         known: heatKeys, required: ["steps", "max-slew", "max-temperature", "time-constant"],
                                         owner: entry.keyLocation) else { return nil }
        let channel = channel(fields, reader)
        let temperature = reader.value(fields["max-temperature"]) { Values.positive(.temperature, $0, key: $1, maximum: 60) }
        let timeConstant = reader.value(fields["time-constant"]) { Values.duration($0, key: $1) }
        guard let channel, let temperature, let timeConstant else { return nil }
        return DeviceProfile.Heat(channel: channel, maxTemperature: temperature, timeConstant: timeConstant)
    }

    private static func percussion(_ entry: Entry, _ reader: NodeReader) -> DeviceProfile.Percussion? {
        guard let fields = reader.fields(entry.value, what: "percussion {min-rate: 1Hz, max-rate: 12Hz, steps: 64}",
                                         known: percussionKeys, required: percussionKeys,
                                         owner: entry.keyLocation) else { return nil }
        let low = reader.value(fields["min-rate"]) { Values.positive(.rate, $0, key: $1, maximum: 100) }
        let high = reader.value(fields["max-rate"]) { Values.positive(.rate, $0, key: $1, maximum: 100) }
        let steps = reader.value(fields["steps"]) { Values.wholeNumber($0, key: $1, range: 2...1_000_000) }
        guard let low, let high, let steps else { return nil }
        guard low <= high else {
            reader.error(fields["max-rate"]?.keyLocation ?? entry.keyLocation, "percussion max-rate is less than its min-rate",
                         hint: "the rates the mechanism runs at, e.g. {min-rate: 1Hz, max-rate: 12Hz}")
            return nil
        }
        return DeviceProfile.Percussion(minRate: low, maxRate: high, steps: steps)
    }

    private static func connection(_ entry: Entry, _ reader: NodeReader) -> DeviceProfile.Connection? {
        guard let fields = reader.fields(entry.value, what: "a connection {protocol: tcode, baud: 115200, …}",
                                         known: connectionKeys, required: ["protocol"], owner: entry.keyLocation) else {
            return nil
        }
        let errors = reader.errorCount
        let proto = reader.choice(fields["protocol"], among: protocols).flatMap(DeviceProtocol.init(rawValue:))
        var connection = DeviceProfile.Connection(protocol: proto ?? .tcode)
        readLink(fields, protocol: proto, into: &connection, reader)
        if let baud = reader.value(fields["baud"], { Values.wholeNumber($0, key: $1, range: 300...12_000_000) }) {
            connection.baud = baud
        }
        if let dtr = reader.bool(fields["dtr"]) { connection.dtr = dtr }
        if let rts = reader.bool(fields["rts"]) { connection.rts = rts }
        if let axesEntry = fields["axes"], let axes = self.axes(axesEntry, protocol: proto, reader) {
            connection.axes = axes
        }
        readDriverFields(fields, protocol: proto, into: &connection, reader)
        return proto != nil && reader.errorCount == errors ? connection : nil
    }

    private static func axes(_ entry: Entry, protocol proto: DeviceProtocol?,
                             _ reader: NodeReader) -> DeviceProfile.TCodeAxes? {
        guard let fields = reader.fields(entry.value, what: "a mapping of channels to axes {intensity: V0, y: L0}",
                                         known: channelNames, owner: entry.keyLocation) else { return nil }
        if let proto, proto != .tcode {
            reader.error(entry.keyLocation, "axes maps channels to TCode axes; this profile's protocol is \(proto.rawValue)",
                         hint: "leave axes out, or use protocol: tcode")
            return nil
        }
        var axes = DeviceProfile.TCodeAxes()
        var ok = true
        for (name, field) in fields {
            let axis = reader.value(field) { text, key -> Result<DeviceProfile.TCodeAxes.Axis, ValueProblem> in
                guard let axis = DeviceProfile.TCodeAxes.Axis(text) else {
                    return .failure(ValueProblem("'\(text)' is not a TCode axis",
                                                 hint: "TCode axes are a letter L, R, V or A and a digit: L0, L1, R0, V0, A0 …"))
                }
                return .success(axis)
            }
            if let axis, let channel = DeviceProfile.ChannelName(rawValue: name) { axes[channel] = axis } else { ok = false }
        }
        let used = Dictionary(grouping: axes.sorted, by: \.axis).filter { $0.value.count > 1 }
        for (axis, channels) in used.sorted(by: { $0.key.description < $1.key.description }) {
            let names = channels.map(\.channel.rawValue).sorted()
            reader.error(entry.keyLocation, "axis \(axis) is given to more than one channel (\(names.joined(separator: ", ")))")
            ok = false
        }
        return ok ? axes : nil
    }
}
