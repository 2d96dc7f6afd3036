/// The text trace on UART1 (format: docs/firmware.md). One line per change of the
/// setpoint the protocol side applies, `t_us v0 v1 … vN-1` (device microseconds, then
/// the wire value 0…65535 of every channel id 0..<KWPChannel.count), and lines starting
/// with `#` for events. A line that does not fit in the transmit ring is dropped whole
/// and counted; the count is reported when there is room again.
final class Trace {
    /// Room a line needs: 20 digits of time, then up to 6 characters a channel.
    private static let lineRoom = 24 + 6 * Int(KWPChannel.count) + 64

    private let uart: UART
    private var dropped: UInt32 = 0

    init(uart: UART) { self.uart = uart }

    /// A setpoint line.
    func setpoint(at time: UInt64, _ values: KWPChannelValues) {
        guard begin() else { return }
        number(time)
        var id: UInt8 = 0
        while id < KWPChannel.count {
            put(0x20)
            number(UInt64(values[channelID: id]))
            id += 1
        }
        end()
    }

    /// An event line: `# <time> <text>[ <value>]`.
    func event(at time: UInt64, _ text: StaticString, value: UInt64? = nil) {
        guard begin() else { return }
        put(0x23)
        put(0x20)
        number(time)
        put(0x20)
        self.text(text)
        if let value {
            put(0x20)
            number(value)
        }
        end()
    }

    /// A comment line with no time (the boot banner): `# <text>`.
    func comment(_ text: StaticString) {
        guard begin() else { return }
        put(0x23)
        put(0x20)
        text.withUTF8Buffer { for byte in $0 { put(byte) } }
        end()
    }

    /// A comment line `# <text> <value>`.
    func comment(_ text: StaticString, _ value: UInt64) {
        guard begin() else { return }
        put(0x23)
        put(0x20)
        text.withUTF8Buffer { for byte in $0 { put(byte) } }
        put(0x20)
        number(value)
        end()
    }

    // MARK: Writing

    private func begin() -> Bool {
        if uart.toSend.free < Self.lineRoom {
            dropped &+= 1
            return false
        }
        if dropped > 0 {
            let lost = dropped
            dropped = 0
            text("# dropped ")
            number(UInt64(lost))
            text(" lines\n")
        }
        return true
    }

    private func end() {
        put(0x0A)
        uart.flush()
    }

    private func text(_ text: StaticString) {
        text.withUTF8Buffer { for byte in $0 { put(byte) } }
    }

    @inline(__always)
    private func put(_ byte: UInt8) { uart.enqueue(byte) }

    private func number(_ value: UInt64) {
        var divisor: UInt64 = 1
        while value / divisor >= 10 { divisor &*= 10 }
        while divisor > 0 {
            put(0x30 &+ UInt8(truncatingIfNeeded: value / divisor % 10))
            divisor /= 10
        }
    }
}
