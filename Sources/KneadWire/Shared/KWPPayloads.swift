/// The fixed-size payloads of the knead wire protocol and their byte layouts
/// (docs/protocol.md, section 3). Shared by the device side and the host side, so both
/// read and write each layout through the same code.

/// The channels with their fixed ids (docs/protocol.md, section 2.5). Percussion (5, 6)
/// is for a device whose mechanism taps by itself: the host sends the rhythm's rate and
/// depth instead of sampling every tap as intensity.
public enum KWPChannel: UInt8, Sendable, CaseIterable {
    case intensity = 0, x, y, pressure, heat, percussionRate, percussionDepth

    public var maskBit: UInt8 { 1 << rawValue }
    /// Mask bit 7 is reserved.
    public static let validMask: UInt8 = 0x7F
    public static let count: UInt8 = 7
}

/// One value per channel, 0…65535 meaning 0…1 of the channel, except percussion rate:
/// hundredths of a hertz (600 is 6 Hz, 0 is no taps).
public struct KWPChannelValues: Equatable, Sendable {
    public var intensity: UInt16
    public var x: UInt16
    public var y: UInt16
    public var pressure: UInt16
    public var heat: UInt16
    public var percussionRate: UInt16
    public var percussionDepth: UInt16

    public init(intensity: UInt16 = 0, x: UInt16 = 0, y: UInt16 = 0, pressure: UInt16 = 0,
                heat: UInt16 = 0, percussionRate: UInt16 = 0, percussionDepth: UInt16 = 0) {
        self.intensity = intensity
        self.x = x
        self.y = y
        self.pressure = pressure
        self.heat = heat
        self.percussionRate = percussionRate
        self.percussionDepth = percussionDepth
    }

    /// Every channel at `value` (the widest limits, before a device's own).
    public init(all value: UInt16) {
        self.init(intensity: value, x: value, y: value, pressure: value, heat: value,
                  percussionRate: value, percussionDepth: value)
    }

    public static let zero = KWPChannelValues()

    public subscript(channel: KWPChannel) -> UInt16 {
        get { self[channelID: channel.rawValue] }
        set { self[channelID: channel.rawValue] = newValue }
    }

    /// By channel id 0…6 (others read as 0 and are not written).
    public subscript(channelID id: UInt8) -> UInt16 {
        get {
            switch id {
            case 0: return intensity
            case 1: return x
            case 2: return y
            case 3: return pressure
            case 4: return heat
            case 5: return percussionRate
            case 6: return percussionDepth
            default: return 0
            }
        }
        set {
            switch id {
            case 0: intensity = newValue
            case 1: x = newValue
            case 2: y = newValue
            case 3: pressure = newValue
            case 4: heat = newValue
            case 5: percussionRate = newValue
            case 6: percussionDepth = newValue
            default: break
            }
        }
    }

    /// The same values with intensity, pressure, heat and percussion at zero; positions hold.
    public var atRest: KWPChannelValues {
        KWPChannelValues(intensity: 0, x: x, y: y, pressure: 0, heat: 0)
    }
}

/// A setpoint stamped with the low 32 bits of the device clock.
public struct KWPSetpoint: Equatable, Sendable {
    public var time: UInt32
    public var values: KWPChannelValues

    public init(time: UInt32, values: KWPChannelValues) {
        self.time = time
        self.values = values
    }
}

/// Whether device time `time` (low 32 bits) has come at `now`, across the 32-bit wrap.
@inline(__always)
public func kwpIsDue(_ time: UInt32, now: UInt64) -> Bool {
    Int32(bitPattern: UInt32(truncatingIfNeeded: now) &- time) >= 0
}

/// Ticks by which `time` is before `now` (negative if still ahead), across the wrap.
@inline(__always)
public func kwpTicksLate(_ time: UInt32, now: UInt64) -> Int32 {
    Int32(bitPattern: UInt32(truncatingIfNeeded: now) &- time)
}

@inline(__always)
func popcount(_ mask: UInt8) -> Int { mask.nonzeroBitCount }

/// The FRAMES payload, read in place without copying (docs/protocol.md, section 3.3).
public struct KWPFramesPayload {
    public let channelMask: UInt8
    public let count: Int
    private let records: UnsafeRawBufferPointer
    private let recordLength: Int

    /// Nil if the layout is wrong: reserved mask bits, count 0, or a length that is not
    /// exactly `2 + count × (4 + 2 × channels)`.
    public init?(_ payload: UnsafeRawBufferPointer) {
        if payload.count < 2 { return nil }
        let mask = payload[0]
        let count = Int(payload[1])
        if mask & ~KWPChannel.validMask != 0 || count == 0 { return nil }
        let recordLength = 4 + 2 * popcount(mask)
        if payload.count != 2 + count * recordLength { return nil }
        self.channelMask = mask
        self.count = count
        self.recordLength = recordLength
        self.records = UnsafeRawBufferPointer(rebasing: payload[2...])
    }

    public static func payloadLength(mask: UInt8, count: Int) -> Int {
        2 + count * (4 + 2 * popcount(mask & KWPChannel.validMask))
    }

    /// The setpoint at `index` (0..<count); channels missing from the mask come from `base`.
    public func setpoint(at index: Int, base: KWPChannelValues) -> KWPSetpoint {
        var reader = KWPReader(records, startingAt: index * recordLength)
        let time = reader.u32()
        var values = base
        // Channel ids in order, without `allCases` (an array: no allocation on this path).
        var id: UInt8 = 0
        while id < KWPChannel.count {
            if channelMask & (1 << id) != 0 { values[channelID: id] = reader.u16() }
            id += 1
        }
        return KWPSetpoint(time: time, values: values)
    }

    /// Writes the header of a FRAMES payload; follow with `writeRecord` `count` times.
    public static func writeHeader(mask: UInt8, count: Int, into writer: inout KWPWriter) {
        writer.u8(mask)
        writer.u8(UInt8(truncatingIfNeeded: count))
    }

    public static func writeRecord(_ setpoint: KWPSetpoint, mask: UInt8, into writer: inout KWPWriter) {
        writer.u32(setpoint.time)
        var id: UInt8 = 0
        while id < KWPChannel.count {
            if mask & (1 << id) != 0 { writer.u16(setpoint.values[channelID: id]) }
            id += 1
        }
    }
}

/// A channel as the device announces it in IDENTIFY.
public struct KWPChannelInfo: Equatable, Sendable {
    public var channel: KWPChannel
    /// Distinct levels the hardware can set.
    public var steps: UInt16
    /// Lowest and highest value the device accepts (of 0…65535).
    public var min: UInt16
    public var max: UInt16
    /// Fastest change, thousandths of full scale per second; 0 = not limited by the device.
    public var maxSlew: UInt16

    public init(channel: KWPChannel, steps: UInt16, min: UInt16 = 0, max: UInt16 = 0xFFFF,
                maxSlew: UInt16 = 0) {
        self.channel = channel
        self.steps = steps
        self.min = min
        self.max = max
        self.maxSlew = maxSlew
    }

    public static let encodedLength = 9

    public func write(into writer: inout KWPWriter) {
        writer.u8(channel.rawValue)
        writer.u16(steps)
        writer.u16(min)
        writer.u16(max)
        writer.u16(maxSlew)
    }

    public static func read(from reader: inout KWPReader) -> KWPChannelInfo? {
        let id = reader.u8()
        let steps = reader.u16(), min = reader.u16(), max = reader.u16(), slew = reader.u16()
        guard !reader.failed, let channel = KWPChannel(rawValue: id) else { return nil }
        return KWPChannelInfo(channel: channel, steps: steps, min: min, max: max, maxSlew: slew)
    }
}

/// The fixed part of IDENTIFY: the device's clock, buffer and timing.
public struct KWPDeviceParameters: Equatable, Sendable {
    public var clockHz: UInt32
    public var bufferDepth: UInt16
    public var maxBatch: UInt8
    public var watchdogMilliseconds: UInt16
    public var stopRampMilliseconds: UInt16
    /// 0 = the device sends no TELEMETRY.
    public var telemetryPeriodMilliseconds: UInt16

    public init(clockHz: UInt32 = 1_000_000, bufferDepth: UInt16 = 128, maxBatch: UInt8 = 16,
                watchdogMilliseconds: UInt16 = 250, stopRampMilliseconds: UInt16 = 250,
                telemetryPeriodMilliseconds: UInt16 = 50) {
        self.clockHz = clockHz
        self.bufferDepth = bufferDepth
        self.maxBatch = maxBatch
        self.watchdogMilliseconds = watchdogMilliseconds
        self.stopRampMilliseconds = stopRampMilliseconds
        self.telemetryPeriodMilliseconds = telemetryPeriodMilliseconds
    }

    public static let encodedLength = 13

    public func write(into writer: inout KWPWriter) {
        writer.u32(clockHz)
        writer.u16(bufferDepth)
        writer.u8(maxBatch)
        writer.u16(watchdogMilliseconds)
        writer.u16(stopRampMilliseconds)
        writer.u16(telemetryPeriodMilliseconds)
    }

    public static func read(from reader: inout KWPReader) -> KWPDeviceParameters {
        KWPDeviceParameters(clockHz: reader.u32(), bufferDepth: reader.u16(), maxBatch: reader.u8(),
                            watchdogMilliseconds: reader.u16(), stopRampMilliseconds: reader.u16(),
                            telemetryPeriodMilliseconds: reader.u16())
    }

    /// Device ticks in `milliseconds`.
    public func ticks(milliseconds: UInt16) -> UInt64 {
        UInt64(clockHz) * UInt64(milliseconds) / 1000
    }
}

/// Longest model or firmware text in IDENTIFY, bytes.
public let kwpMaxIdentityTextLength = 32

/// NAK reasons (docs/protocol.md, section 3.4).
public enum KWPNakReason: UInt8, Sendable, Equatable, CaseIterable {
    case gap = 1
    case noRoom = 2
    case corrupt = 3
    case notAccepting = 4
    case malformed = 5
}

/// Device states (docs/protocol.md, section 3.7).
public enum KWPDeviceState: UInt8, Sendable, Equatable, CaseIterable {
    case idle = 0
    case ready = 1
    case playing = 2
    case halted = 3
}

/// A FAULT code. Codes 0x80 and above halt the device. Unknown codes are kept as they are.
public struct KWPFaultCode: RawRepresentable, Equatable, Hashable, Sendable {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let lateSetpoint = KWPFaultCode(rawValue: 0x01)
    public static let malformed = KWPFaultCode(rawValue: 0x02)
    public static let unsupportedVersion = KWPFaultCode(rawValue: 0x03)
    public static let unknownType = KWPFaultCode(rawValue: 0x04)
    public static let watchdog = KWPFaultCode(rawValue: 0x80)
    public static let overTemperature = KWPFaultCode(rawValue: 0x81)
    public static let motor = KWPFaultCode(rawValue: 0x82)
    public static let userStop = KWPFaultCode(rawValue: 0x83)
    public static let `internal` = KWPFaultCode(rawValue: 0x84)

    public var isHalting: Bool { rawValue >= 0x80 }
}

/// TELEMETRY payload (docs/protocol.md, section 3.8).
public struct KWPTelemetry: Equatable, Sendable {
    /// Hundredths of °C meaning "no sensor".
    public static let noTemperature: Int16 = .min

    public var deviceTime: UInt64
    public var state: KWPDeviceState
    public var actual: KWPChannelValues
    public var temperatureCentiCelsius: Int16
    public var queued: UInt16
    public var free: UInt16
    public var lastFault: KWPFaultCode

    public init(deviceTime: UInt64, state: KWPDeviceState, actual: KWPChannelValues,
                temperatureCentiCelsius: Int16 = KWPTelemetry.noTemperature, queued: UInt16,
                free: UInt16, lastFault: KWPFaultCode = KWPFaultCode(rawValue: 0)) {
        self.deviceTime = deviceTime
        self.state = state
        self.actual = actual
        self.temperatureCentiCelsius = temperatureCentiCelsius
        self.queued = queued
        self.free = free
        self.lastFault = lastFault
    }

    public static let encodedLength = 24

    /// Heat is not reported (temperature is), nor percussion; the layout has no field for them.
    public func write(into writer: inout KWPWriter) {
        writer.u64(deviceTime)
        writer.u8(state.rawValue)
        writer.u16(actual.intensity)
        writer.u16(actual.x)
        writer.u16(actual.y)
        writer.u16(actual.pressure)
        writer.i16(temperatureCentiCelsius)
        writer.u16(queued)
        writer.u16(free)
        writer.u8(lastFault.rawValue)
    }

    public static func read(from reader: inout KWPReader) -> KWPTelemetry? {
        let time = reader.u64()
        let stateByte = reader.u8()
        let values = KWPChannelValues(intensity: reader.u16(), x: reader.u16(), y: reader.u16(),
                                      pressure: reader.u16())
        let temperature = reader.i16()
        let queued = reader.u16(), free = reader.u16()
        let fault = reader.u8()
        guard !reader.failed, let state = KWPDeviceState(rawValue: stateByte) else { return nil }
        return KWPTelemetry(deviceTime: time, state: state, actual: values,
                            temperatureCentiCelsius: temperature, queued: queued, free: free,
                            lastFault: KWPFaultCode(rawValue: fault))
    }
}

/// FAULT payload (docs/protocol.md, section 3.9).
public struct KWPFault: Equatable, Sendable {
    public var deviceTime: UInt64
    public var code: KWPFaultCode
    public var detail: UInt16

    public init(deviceTime: UInt64, code: KWPFaultCode, detail: UInt16) {
        self.deviceTime = deviceTime
        self.code = code
        self.detail = detail
    }

    public static let encodedLength = 11

    public func write(into writer: inout KWPWriter) {
        writer.u64(deviceTime)
        writer.u8(code.rawValue)
        writer.u16(detail)
    }

    public static func read(from reader: inout KWPReader) -> KWPFault {
        KWPFault(deviceTime: reader.u64(), code: KWPFaultCode(rawValue: reader.u8()), detail: reader.u16())
    }
}
