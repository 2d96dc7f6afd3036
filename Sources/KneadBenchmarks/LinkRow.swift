import KneadPictures

/// One rate of `knead bench link`: what crossed the paced line, and whether the
/// protocol kept up.
public struct LinkRow: Sendable {
    public var protocolName: String
    public var rate: Double
    public var framesSent: Int
    public var bytesPerSecond: Double
    /// Of the line's capacity, 0…1.
    public var share: Double
    public var bytesPerFrame: Double
    public var returnBytesPerSecond: Double
    /// Seconds a byte waited to cross the line.
    public var delayP99: Double
    public var delayMax: Double
    /// Wire protocol only: setpoints the device executed, and how many of them late.
    public var executed: Int?
    public var late: Int?
    /// Wire protocol: FRAMES packets the host sent again, and how many of those after a timeout.
    public var retransmitted: (packets: Int, timeouts: Int)?
    public var error: String?
    public var sustained: Bool

    public init(protocolName: String, rate: Double, framesSent: Int, bytesPerSecond: Double, share: Double,
                bytesPerFrame: Double, returnBytesPerSecond: Double, delayP99: Double, delayMax: Double,
                executed: Int? = nil, late: Int? = nil, retransmitted: (packets: Int, timeouts: Int)? = nil,
                error: String? = nil, sustained: Bool = false) {
        self.protocolName = protocolName
        self.rate = rate
        self.framesSent = framesSent
        self.bytesPerSecond = bytesPerSecond
        self.share = share
        self.bytesPerFrame = bytesPerFrame
        self.returnBytesPerSecond = returnBytesPerSecond
        self.delayP99 = delayP99
        self.delayMax = delayMax
        self.executed = executed
        self.late = late
        self.retransmitted = retransmitted
        self.error = error
        self.sustained = sustained
    }

    /// A TCode line that waited longer than this to cross was queued behind others.
    public static let tcodeDelayLimit = 0.02

    /// A rate is sustained when play ended without error and the line kept up. The wire
    /// protocol: the device accepted every setpoint and executed none late (`executed`
    /// may miss the very last one: the closing STOP can reach the device just before its
    /// tick). TCode: no line waited more than `tcodeDelayLimit` to cross.
    public static func isSustained(error: String?, framesSent: Int, delayMax: Double,
                                   kwp: (accepted: Int, late: Int)?) -> Bool {
        guard error == nil else { return false }
        if let kwp { return kwp.accepted >= framesSent && kwp.late == 0 }
        return delayMax <= tcodeDelayLimit
    }

    public static let header = "protocol  rate Hz  frames  host→device B/s  share   B/frame  device→host B/s  "
        + "line delay p99/max ms  executed  late  resent/timeouts  sustained"

    /// The row under `header`, columns right-aligned.
    public var line: String {
        func pad(_ text: String, _ width: Int) -> String {
            text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
        }
        var text = protocolName.count >= 8 ? String(protocolName.prefix(8))
            : protocolName + String(repeating: " ", count: 8 - protocolName.count)
        text += pad(String(Int(rate)), 9) + pad(String(framesSent), 8)
        text += pad(decimalText(bytesPerSecond, 0), 17) + pad(decimalText(share * 100, 1) + " %", 8)
        text += pad(decimalText(bytesPerFrame, 1), 9)
        text += pad(decimalText(returnBytesPerSecond, 0), 17)
        text += pad(decimalText(delayP99 * 1000, 1) + " / " + decimalText(delayMax * 1000, 1), 23)
        text += pad(executed.map(String.init) ?? "-", 10) + pad(late.map(String.init) ?? "-", 6)
        text += pad(retransmitted.map { "\($0.packets)/\($0.timeouts)" } ?? "-", 17)
        text += "  " + (sustained ? "yes" : "no") + (error.map { " (\($0))" } ?? "")
        return text
    }
}
