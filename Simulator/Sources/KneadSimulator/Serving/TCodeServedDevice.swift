import KneadCore
import KneadWire

/// A TCode v0.3 device on the simulator's physics: what an OSR2-style firmware does
/// with the lines it receives (docs/sim.md, docs/tcode.md).
///
/// - An axis command moves its channel to the target: at once (no suffix; the model's
///   motor lag and roller speed do the smoothing), or linearly over `I<ms>`, or at
///   `S<n>` (n/10000 of the range per 100 ms). Every command of a line starts together.
/// - Channels come from the profile's TCode axis map (`osr2`: intensity V0, y L0, x L2,
///   pressure L1), or the same map for a profile without one (intensity only for a
///   device without a roller). Commands for other axes are ignored.
/// - `D0`, `D1`, `D2` are answered; `DSTOP` sets the vibration axes, pressure and heat
///   to zero and holds the positions (a massager's reading of "stop"); `$…` ranges are
///   accepted and not kept.
/// - As TCode firmware does, vibration ramps to zero by itself when no axis command
///   came for `vibrationTimeout`; linear axes hold.
final class TCodeServedDevice: ServedDevice {
    static let vibrationTimeout = 2.0
    static let vibrationRampDown = 0.5
    /// Invalid tokens reported one by one before they are only counted.
    static let reportedInvalidTokens = 10

    let model: DeviceModel
    let axes: TCodeAxisMap
    let firmware: String
    var servedProtocol: DeviceProtocol { .tcode }

    private struct Ramp {
        var from: Double
        var to: Double
        var start: Double
        var duration: Double

        func value(at time: Double) -> Double {
            guard duration > 0, time < start + duration else { return to }
            guard time > start else { return from }
            return from + (to - from) * (time - start) / duration
        }

        func isMoving(after time: Double) -> Bool { duration > 0 && time < start + duration }
    }

    /// One per channel, by `KWPChannel.rawValue`.
    private var channels: [Ramp]
    private var applied: DeviceSetpoint
    private var decoder = TCodeDeviceDecoder()
    private var output: [UInt8] = []
    private var events: [ServeEvent] = []
    private var lastCommandTime: Double?
    private var currentLine: [UInt8] = []
    private var lastLine = ""
    private var reportedUnmapped: Set<TCodeAxis> = []
    private var counters = ServeReport.TCodeCounters()

    init(model: DeviceModel, axes: TCodeAxisMap, firmware: String) {
        self.model = model
        self.axes = axes
        self.firmware = firmware
        let rest = model.configuration.restPosition
        // By channel id: intensity, x, y, pressure, heat.
        channels = [0, rest.x, rest.y, 0, 0].map { Ramp(from: $0, to: $0, start: 0, duration: 0) }
        applied = DeviceSetpoint(intensity: 0, x: rest.x, y: rest.y)
    }

    /// The axis map a profile is served with: its own TCode map, else the `osr2`
    /// convention for the channels it has.
    static func axisMap(for profile: DeviceProfile) throws(TCodeError) -> TCodeAxisMap {
        if let connection = profile.connection, connection.protocol == .tcode, !connection.axes.isEmpty {
            return try TCodeAxisMap(profileAxes: connection.axes.names)
        }
        var map: DeviceProfile.TCodeAxes = [.intensity: "V0"]
        if profile.position != nil {
            map[.y] = "L0"
            map[.x] = "L2"
        }
        if profile.pressure != nil { map[.pressure] = "L1" }
        return try TCodeAxisMap(profileAxes: map.names)
    }

    /// What `D2` lists: every mapped axis over the full range, named by its channel.
    var axisRanges: [TCodeAxisRange] {
        axes.entries.map { TCodeAxisRange(axis: $0.axis, min: 0, max: 9999, name: $0.channel.name) }
    }

    // MARK: ServedDevice

    func receive(_ bytes: ArraySlice<UInt8>, at time: Double) {
        advance(to: time)
        noteLines(bytes)
        for command in decoder.push(bytes) {
            act(on: command, at: time)
        }
        applyCurrent(at: time)
    }

    func advance(to time: Double) {
        checkVibrationTimeout(now: time)
        // Ramps are followed tick by tick; otherwise the model skips ahead by itself.
        var tick = model.tick + 1
        while isRamping(after: model.time), model.time(ofTick: tick) <= time + 1e-9 {
            let tickTime = model.time(ofTick: tick)
            model.advance(to: tickTime)
            applyCurrent(at: tickTime)
            tick += 1
        }
        model.advance(to: time)
    }

    func takeOutput() -> [UInt8] {
        defer { output.removeAll(keepingCapacity: true) }
        return output
    }

    func hostLeft(at time: Double) {
        decoder = TCodeDeviceDecoder()
        currentLine.removeAll()
    }

    func takeEvents() -> [ServeEvent] {
        defer { events.removeAll() }
        return events
    }

    var statusNote: String { lastLine.isEmpty ? "no line yet" : "last: " + lastLine }

    var stopsReceived: Int { counters.stops }

    var protocolReport: ServeReport.ProtocolCounters { .tcode(counters) }

    // MARK: Commands

    private func act(on command: TCodeCommand, at time: Double) {
        switch command {
        case let .axes(list):
            counters.axisLines += 1
            lastCommandTime = time
            for axisCommand in list { start(axisCommand, at: time) }
        case .stop:
            counters.stops += 1
            for entry in axes.entries {
                let index = Int(entry.channel.rawValue)
                let held = channels[index].value(at: time)
                let zeroed = entry.axis.kind == .vibration || entry.channel == .pressure || entry.channel == .heat
                channels[index] = Ramp(from: held, to: zeroed ? 0 : held, start: time, duration: 0)
            }
            model.advance(to: time)
            model.mark(.stop, at: time)
            events.append(ServeEvent(time: time, text: "DSTOP: vibration, pressure and heat to zero; positions hold"))
        case let .query(query):
            counters.queries += 1
            let answer = TCodeDeviceReplies.reply(to: query, firmware: firmware, axes: axisRanges)
            output += Array(answer.utf8)
            let shown = answer.split(separator: "\n").joined(separator: " | ")
            events.append(ServeEvent(time: time, text: "\(query.rawValue) asked: answered \(shown)"))
        case let .saveRange(axis, low, high):
            counters.savedRanges += 1
            events.append(ServeEvent(time: time, text: "$\(axis)-\(low)-\(high): range accepted (not kept)"))
        case let .invalid(token, reason):
            counters.invalidTokens += 1
            if counters.invalidTokens <= Self.reportedInvalidTokens {
                let shown = token.isEmpty ? "a line" : "'\(Self.printable(token))'"
                events.append(ServeEvent(time: time, text: "ignored \(shown): \(reason)"
                                         + (counters.invalidTokens == Self.reportedInvalidTokens
                                            ? " (further invalid tokens are only counted)" : "")))
            }
            model.advance(to: time)
            model.noteRejectedMessage()
        }
    }

    private func start(_ command: TCodeAxisCommand, at time: Double) {
        guard let entry = axes.entries.first(where: { $0.axis == command.axis }) else {
            counters.unmappedCommands += 1
            if reportedUnmapped.insert(command.axis).inserted {
                events.append(ServeEvent(time: time, text: "axis \(command.axis) is not mapped on this device: ignored"))
            }
            return
        }
        counters.axisCommands += 1
        let index = Int(entry.channel.rawValue)
        let from = channels[index].value(at: time)
        let to = command.value
        let duration: Double
        switch command.ramp {
        case .none: duration = 0
        case let .interval(milliseconds): duration = Double(milliseconds) / 1000
        case let .speed(units):
            // n ten-thousandths of the range per 100 ms.
            duration = units > 0 ? Swift.abs(to - from) / (Double(units) / 1000) : 0
        }
        channels[index] = Ramp(from: from, to: to, start: time, duration: duration)
    }

    // MARK: Time

    private func isRamping(after time: Double) -> Bool {
        channels.contains { $0.isMoving(after: time) }
    }

    private func checkVibrationTimeout(now: Double) {
        guard let last = lastCommandTime, now >= last + Self.vibrationTimeout else { return }
        let fired = last + Self.vibrationTimeout
        lastCommandTime = nil
        var ramped: [String] = []
        for entry in axes.entries where entry.axis.kind == .vibration {
            let index = Int(entry.channel.rawValue)
            let level = channels[index].value(at: fired)
            guard level > 0 else { continue }
            channels[index] = Ramp(from: level, to: 0, start: fired, duration: Self.vibrationRampDown)
            ramped.append(entry.axis.description)
        }
        guard !ramped.isEmpty else { return }
        counters.watchdogFirings += 1
        model.advance(to: fired)
        model.mark(.watchdog, at: fired)
        events.append(ServeEvent(time: fired, text: "no command for \(Int(Self.vibrationTimeout)) s: "
                                 + "\(ramped.joined(separator: ", ")) ramp to zero (TCode vibration timeout)"))
    }

    /// Hands the model the channels' values at `time` when they changed.
    private func applyCurrent(at time: Double) {
        func value(_ channel: KWPChannel) -> Double { channels[Int(channel.rawValue)].value(at: time) }
        let setpoint = DeviceSetpoint(intensity: value(.intensity), x: value(.x), y: value(.y),
                                      pressure: value(.pressure), heat: value(.heat))
        guard setpoint != applied else { return }
        applied = setpoint
        model.applyNow(setpoint, at: time)
    }

    // MARK: Showing lines

    private func noteLines(_ bytes: ArraySlice<UInt8>) {
        for byte in bytes {
            if byte == 0x0A || byte == 0x0D {
                if !currentLine.isEmpty {
                    counters.lines += 1
                    lastLine = String(decoding: currentLine, as: UTF8.self)
                    currentLine.removeAll(keepingCapacity: true)
                }
            } else if currentLine.count < 60 {
                currentLine.append(byte >= 0x20 && byte < 0x7F ? byte : UInt8(ascii: "?"))
            }
        }
    }

    static func printable(_ text: String) -> String {
        String(text.unicodeScalars.prefix(40).map { $0.isASCII && $0.value >= 0x20 && $0.value < 0x7F ? Character($0) : "?" })
    }
}
