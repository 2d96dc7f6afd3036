import KneadCore
import KneadPictures

/// What a served port did, for the summary `knead sim` prints at the end (text, or one
/// JSON object with `--json`; docs/sim.md lists the fields).
public struct ServeReport: Sendable, Equatable, Encodable {
    public var ending: ServeEnding
    public var `protocol`: DeviceProtocol
    public var device: String
    public var path: String
    /// Seconds served: device time at the end (at the hang-up for `hung-up`).
    public var seconds: Double
    /// CLOCK_MONOTONIC seconds at device time 0, the trace's time 0.
    public var clockOrigin: Double
    public var paced: Bool
    public var baud: Int
    public var faults: String
    /// Times a host opened the port (counted from inotify; null when it could not watch).
    public var hostConnections: Int?
    public var bytesFromHost: Int
    public var bytesToHost: Int
    /// Device output thrown away: no host had the port open, or the device was muted.
    public var bytesDiscarded: Int
    /// Bytes flipped by noise, either way.
    public var corruptedBytes: Int
    /// Messages from the host damaged or lost by the corrupt and drop faults.
    public var corruptedMessages: Int
    public var droppedMessages: Int
    public var stalls: Int
    /// How long bytes from the host took from being written to having crossed the
    /// (paced) line, milliseconds: the queueing a real line of this baud rate adds.
    public var linkDelayMilliseconds: Figures
    public var tcode: TCodeCounters?
    public var kwp: KWPCounters?
    /// The device at the end: every setpoint and output at zero.
    public var deviceAtZero: Bool
    public var deviceCounters: Model
    public var traceError: String?

    public struct Figures: Sendable, Equatable, Encodable {
        public var p50: Double
        public var p99: Double
        public var max: Double
    }

    public struct TCodeCounters: Sendable, Equatable, Encodable {
        public var lines = 0
        /// Lines with at least one axis command.
        public var axisLines = 0
        public var axisCommands = 0
        /// Commands for an axis the device does not have (ignored).
        public var unmappedCommands = 0
        public var invalidTokens = 0
        public var queries = 0
        public var stops = 0
        public var savedRanges = 0
        /// Vibration timeouts (no command for 2 s).
        public var watchdogFirings = 0
    }

    public struct KWPCounters: Sendable, Equatable, Encodable {
        public var state: String
        public var packets: Int
        public var droppedFrames: Int
        public var duplicates: Int
        public var gaps: Int
        public var refusedNoRoom: Int
        public var accepted: Int
        public var executed: Int
        /// Setpoints that arrived after their time (executed at once, late).
        public var late: Int
        public var stops: Int
        public var watchdogTrips: Int
        public var outputDropped: Int
    }

    /// What the physical model counted.
    public struct Model: Sendable, Equatable, Encodable {
        /// Setpoint changes handed to the model.
        public var setpoints: Int
        public var rejectedMessages: Int
        public var setIntensity: Double
        public var intensity: Double
    }

    public enum ProtocolCounters: Sendable, Equatable {
        case tcode(TCodeCounters)
        case kwp(KWPCounters)
    }

    /// Several lines for a person.
    public var text: String {
        var lines: [String] = []
        let ended = ending == .hungUp ? "hung up (fault injection)" : "stopped"
        lines.append("knead sim: \(ended) after \(decimalText(seconds, 1)) s; "
                     + "\(hostConnections.map { "\($0) host connection\($0 == 1 ? "" : "s")" } ?? "host connections unknown")")
        lines.append("  link: \(bytesFromHost) bytes in, \(bytesToHost) out"
                     + (paced ? ", paced at \(baud) baud (delay p50 \(decimalText(linkDelayMilliseconds.p50, 2)) ms, "
                        + "p99 \(decimalText(linkDelayMilliseconds.p99, 2)) ms, max \(decimalText(linkDelayMilliseconds.max, 2)) ms)"
                        : ", not paced")
                     + (bytesDiscarded > 0 ? ", \(bytesDiscarded) discarded" : ""))
        if faults != "none" {
            lines.append("  faults \(faults): \(corruptedBytes) bytes hit by noise, \(corruptedMessages) messages "
                         + "damaged, \(droppedMessages) dropped, \(stalls) stalls")
        }
        if let t = tcode {
            lines.append("  tcode: \(t.lines) lines, \(t.axisCommands) axis commands, \(t.invalidTokens) invalid tokens, "
                         + "\(t.unmappedCommands) for unmapped axes, \(t.queries) queries, \(t.stops) DSTOP, "
                         + "\(t.watchdogFirings) vibration timeouts")
        }
        if let k = kwp {
            lines.append("  kwp: \(k.accepted) setpoints accepted, \(k.executed) executed, \(k.late) late; "
                         + "\(k.packets) packets, \(k.droppedFrames) dropped frames, \(k.duplicates) duplicates, "
                         + "\(k.gaps) gaps, \(k.refusedNoRoom) refused for room; \(k.stops) stops, "
                         + "\(k.watchdogTrips) watchdog trips; state \(k.state)")
        }
        lines.append("  device: " + (deviceAtZero ? "at zero" : "NOT at zero (intensity \(decimalText(deviceCounters.intensity * 100, 1)) %)"))
        if let traceError { lines.append("  trace: \(traceError)") }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// A snapshot for the live status line.
public struct ServeStatus: Sendable, Equatable {
    public var time: Double
    public var `protocol`: DeviceProtocol
    /// Nil when the port cannot be watched.
    public var hostPresent: Bool?
    public var bytesFromHost: Int
    public var bytesToHost: Int
    public var stalled: Bool
    public var state: DeviceState
    public var hasPosition: Bool
    public var hasPressure: Bool
    /// The protocol's word: TCode's last line, the wire protocol's state and queue.
    public var note: String

    /// One line that fits `width` columns, most telling first (what the device does,
    /// then the protocol's note, then the byte counts, which go first when it is cut):
    /// `tcode 2.6s ● │ I 50%→48% x 0.50 y 0.90 P 0% │ last: V05 L09I800 │ 15 B in, 11 B out`
    public func line(width: Int) -> String {
        var head = `protocol`.rawValue + " " + decimalText(time, 1) + "s"
        switch hostPresent {
        case true?: head += " ●"
        case false?: head += " ○"
        case nil: break
        }
        if stalled { head += " STALLED" }
        var device = "I " + Self.percent(state.setIntensity) + "→" + Self.percent(state.intensity)
        if hasPosition {
            device += " x " + decimalText(state.position.x, 2) + " y " + decimalText(state.position.y, 2)
        }
        if hasPressure { device += " P " + Self.percent(state.pressure) }
        let bytes = "\(Self.bytes(bytesFromHost)) in, \(Self.bytes(bytesToHost)) out"
        let text = [head, device, note, bytes].joined(separator: " │ ")
        guard width > 1, text.count > width - 1 else { return text }
        return String(text.prefix(width - 2)) + "…"
    }

    static func percent(_ level: Double) -> String {
        String(Int((level * 100).rounded())) + "%"
    }

    static func bytes(_ count: Int) -> String {
        if count < 10_000 { return "\(count) B" }
        if count < 10_000_000 { return "\(count / 1000) kB" }
        return "\(count / 1_000_000) MB"
    }
}
