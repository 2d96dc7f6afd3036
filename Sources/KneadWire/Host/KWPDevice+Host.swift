// Conveniences for running the device side on a host (the simulator, tests): arrays in
// and out. Firmware uses the buffer-based calls in DeviceSide/KWPDevice.swift.

extension KWPDevice {
    /// Feeds bytes from the host (any collection: an array, a slice).
    public func receive<C: Collection>(_ bytes: C, now: UInt64) where C.Element == UInt8 {
        for byte in bytes { receive(byte, now: now) }
    }

    /// Takes every byte waiting to be sent to the host.
    public func takeOutput() -> [UInt8] {
        // Array(unsafeUninitializedCapacity: 0) stores its count of 0 into the shared empty
        // array's storage, which ThreadSanitizer rightly reports when two devices do it at once.
        guard outputCount > 0 else { return [] }
        return [UInt8](unsafeUninitializedCapacity: outputCount) { buffer, count in
            count = readOutput(into: UnsafeMutableRawBufferPointer(buffer))
        }
    }
}

extension KWPDeviceConfiguration {
    /// A configuration from text fields (model and firmware as strings).
    public init(parameters: KWPDeviceParameters = KWPDeviceParameters(), channels: [KWPChannelInfo],
                model: String, firmware: String, rest: KWPChannelValues = .zero, outputCapacity: Int = 1024) {
        self.init(parameters: parameters, channels: channels, model: model.utf8Prefix(kwpMaxIdentityTextLength),
                  firmware: firmware.utf8Prefix(kwpMaxIdentityTextLength), rest: rest, outputCapacity: outputCapacity)
    }

    /// What this device answers in IDENTIFY, as the host decodes it.
    public var identity: KWPIdentity {
        KWPIdentity(parameters: parameters, channels: Array(channels.prefix(Int(KWPChannel.count))),
                    model: String(decoding: model.prefix(kwpMaxIdentityTextLength), as: UTF8.self),
                    firmware: String(decoding: firmware.prefix(kwpMaxIdentityTextLength), as: UTF8.self))
    }
}

extension String {
    /// At most `limit` bytes of UTF-8, cut between characters, never inside one: an
    /// IDENTIFY's text stays valid UTF-8 however long the name it was made from.
    func utf8Prefix(_ limit: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        for character in self {
            let utf8 = Array(character.utf8)
            if bytes.count + utf8.count > limit { break }
            bytes += utf8
        }
        return bytes
    }
}
