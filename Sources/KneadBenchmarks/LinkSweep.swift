import KneadPictures

/// Rising rates for one protocol until the line is past its limit, and the highest
/// rate it sustained.
public struct LinkSweep {
    /// The rates tried when none are given, Hz.
    public static let defaultRates: [Double] = [50, 100, 200, 250, 300, 325, 350, 400, 450, 500, 550, 600, 650,
                                                700, 800, 1000]

    public private(set) var best: LinkRow?
    private var failedOnce = false
    public private(set) var isOver = false

    public init() {}

    /// Takes the next row. The sweep is over after two failures in a row: one may be a
    /// hiccup of a shared machine, two mean the line is past its limit.
    public mutating func record(_ row: LinkRow) {
        if row.sustained {
            best = row
            failedOnce = false
        } else {
            if failedOnce { isOver = true }
            failedOnce = true
        }
    }

    /// Measures `rates` in order with `measure`, handing each row to `report` as it comes.
    public static func run(rates: [Double], measure: (Double) throws -> LinkRow,
                           report: (LinkRow) -> Void) rethrows -> LinkRow? {
        var sweep = LinkSweep()
        for rate in rates where !sweep.isOver {
            let row = try measure(rate)
            report(row)
            sweep.record(row)
        }
        return sweep.best
    }

    /// The summary line for a protocol.
    public static func summary(protocolName: String, best: LinkRow?) -> String {
        guard let row = best else { return "highest rate sustained, \(protocolName): none of the rates tried\n" }
        return "highest rate sustained, \(protocolName): \(Int(row.rate)) Hz, "
            + "\(decimalText(row.bytesPerSecond, 0)) bytes/s = "
            + "\(decimalText(row.share * 100, 0)) % of the line "
            + "(\(decimalText(row.bytesPerFrame, 1)) bytes a frame)\n"
    }
}
