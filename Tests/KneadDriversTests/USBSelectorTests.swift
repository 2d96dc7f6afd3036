import Testing
import KneadCore
import KneadEngine
@testable import KneadDrivers

@Suite struct USBSelectorTests {
    @Test func parsesAnIDAloneOrWithSerialAndPath() throws {
        #expect(try USBSelector.parse("045e:028e").get() == USBSelector(vendorID: 0x045e, productID: 0x028e))
        #expect(try USBSelector.parse("0x1209:FFFE,serial=knead-0001").get()
                == USBSelector(vendorID: 0x1209, productID: 0xfffe, serial: "knead-0001"))
        let both = try USBSelector.parse("1209:fffe,path=1-4.2,serial=A B").get()
        #expect(both == USBSelector(vendorID: 0x1209, productID: 0xfffe, serial: "A B", path: "1-4.2"))
        #expect(both.description == "1209:fffe,serial=A B,path=1-4.2")
    }

    @Test func refusesWhatIsNotAnIDWithTheFix() {
        #expect(USBSelector.parse("1209") == .failure(.notAnID("1209")))
        #expect(USBSelector.parse("") == .failure(.notAnID("")))
        #expect(USBSelector.parse("12345:0001") == .failure(.notAnID("12345:0001")))
        #expect(USBSelector.parse("1209:fffe,bus=1") == .failure(.unknownKey("bus")))
        #expect(USBSelector.parse("1209:fffe,serial=") == .failure(.emptyValue("serial")))
        #expect(USBSelector.parse("1209:fffe,path=1.4") == .failure(.badPath("1.4")))
        #expect(USBSelector.parse("1209:fffe,path=1-") == .failure(.badPath("1-")))
        #expect(USBSelector.ParseError.notAnID("x").description.contains("045e:028e"))
    }

    @Test func matchesOnIDThenPathThenSerial() {
        let selector = USBSelector(vendorID: 0x045e, productID: 0x028e, serial: "S1", path: "1-2")
        #expect(selector.matches(vendorID: 0x045e, productID: 0x028e, serial: "S1", path: "1-2"))
        #expect(!selector.matches(vendorID: 0x045e, productID: 0x028e, serial: "S2", path: "1-2"))
        #expect(!selector.matches(vendorID: 0x045e, productID: 0x028e, serial: "S1", path: "1-3"))
        #expect(!selector.matches(vendorID: 0x045e, productID: 0x028f, serial: "S1", path: "1-2"))
        #expect(USBSelector(vendorID: 1, productID: 2).matches(vendorID: 1, productID: 2, serial: nil, path: "3-1"))
    }

    @Test func aProfileOnTheOtherLinkIsRefusedWithTheOptionToUse() {
        var profile = DeviceProfile.handheld
        profile.name = "xbox360-rumble"
        profile.connection = .init(protocol: .xbox360Rumble)
        #expect(profile.connection?.link == .usb)
        #expect(DeviceDrivers.problem(with: profile, on: .usb) == nil)
        let problem = DeviceDrivers.problem(with: profile, on: .serial)
        #expect(problem?.contains("use --usb") == true)
        #expect(throws: BackendError.self) { try DeviceDrivers.backend(profile: profile, path: "/dev/null") }
    }
}
