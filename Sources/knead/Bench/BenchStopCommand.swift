import ArgumentParser
import Foundation
import KneadBenchmarks

/// `knead bench stop`: a stop's latency with the line saturated, beside the machine's
/// floor; the measuring is KneadBenchmarks' `StopBenchmark`.
struct BenchStopCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop",
        abstract: "Measure how long a stop takes to reach the OS on a saturated line (use a release build).",
        discussion: """
            For TCode (the sr6 profile, 4 axes) at 325 Hz and the knead wire protocol
            (knead-chair) at 600 Hz, their highest sustained rates over 115200 baud,
            plays ever-changing frames through the real driver to knead sim on a
            pseudo-terminal paced at --baud, and stops --stops times at random moments
            (20–80 ms apart). Each stop is timed from the call to the driver's stop()
            to its return, when the stop's bytes have been handed to the OS.

            Last, the port alone: a writer blocked on a full pseudo-terminal (its far end
            reads nothing) and a discarding stop 0–2 ms later, --stops times.

            The floor, measured in the same run: a bare write() of the stop bytes to an
            idle pseudo-terminal. docs/performance.md, "Stop under a saturated line
            (issue 7)", has the figures.

            --usb adds, for each shipped USB profile (knead-usb, xbox360-rumble,
            rez-trancevibrator) whose device is plugged in: stops on the idle device (its
            floor: the stop transfer submitted with nothing in flight), then stops at
            random moments while the device plays changing frames at its profile's
            highest rate. Each is timed from the call to stop() to the return of
            libusb_submit_transfer for the stop's transfer; "(to the call)" rows stop
            the clock when knead calls it, without the kernel's (or the emulator's)
            part. scripts/bench-usb-stop runs them against the emulated devices of the
            tests (umockdev); --usb-only skips the serial rows.
            """)

    @Option(help: ArgumentHelp("Stops per protocol.", valueName: "N"))
    var stops: Int = 200

    @Option(help: ArgumentHelp("Baud rate of the paced line.", valueName: "BAUD"))
    var baud: Int = 115_200

    @Flag(help: "Print the figures as JSON.")
    var json = false

    @Flag(help: "Also measure the USB devices shipped profiles name that are plugged in (or emulated).")
    var usb = false

    @Flag(name: .customLong("usb-only"), help: "Measure the USB devices only (implies --usb).")
    var usbOnly = false

    func validate() throws {
        guard (10...10_000).contains(stops) else { throw ValidationError("--stops must be 10…10000") }
    }

    func run() throws {
        #if DEBUG
        Console.error("knead: note: this is a debug build; measure with a release build for figures that mean something\n")
        #endif
        var configuration = StopBenchmark.Configuration()
        configuration.stops = stops
        configuration.baud = baud
        let bench = StopBenchmark(configuration: configuration, tcode: try DeviceChoice.resolve("sr6"),
                                  kwp: try DeviceChoice.resolve("knead-chair"))
        var report = usbOnly ? bench.floorOnly() : bench.run()
        if usb || usbOnly {
            let profiles = try ["knead-usb", "xbox360-rumble", "rez-trancevibrator"].map { try DeviceChoice.resolve($0) }
            report.cases += USBStopBenchmark(configuration: configuration, profiles: profiles).run()
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            Console.output(String(decoding: try encoder.encode(report), as: UTF8.self) + "\n")
        } else {
            if !usbOnly {
                Console.output("Stop under a saturated line: \(baud) baud, 8N1, paced by knead sim; \(stops) stops "
                               + "at random moments; request → stop() returned (bytes handed to the OS)\n")
            }
            if usb || usbOnly {
                Console.output("USB: \(stops) stops per device, idle then playing at its profile's rate; request → "
                               + "libusb_submit_transfer returned for the stop; USB rows compare with their idle row\n")
            }
            Console.output("\n")
            Console.output(report.table)
        }
    }
}
