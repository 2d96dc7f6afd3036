import ArgumentParser
import Foundation
import KneadCore
import KneadDrivers
import KneadLiveView
import KneadPlayer
import KneadSimulator
import KneadPictures

struct PlayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "play",
        abstract: "Play a pattern in real time, on the built-in simulator or a device, with a live view.",
        discussion: """
            The pattern is compiled for --device, sampled at --rate and passed through the
            safety envelope (soft start, caps, slew limits, session cap, ramp out at the
            end), then played in real time: on the device at --port (a serial port) or
            --usb (a USB device by id, through libusb; docs/drivers.md), or without
            either on the built-in simulator, which plays the device profile.

            In a terminal a live view shows the progress, the step, technique and zone,
            the intensity asked for and what the device does, and where on the back it
            is. Keys (whenever standard input is a terminal): space pauses and resumes
            (ramping down and up), + and - move your intensity cap by 10%, q or Esc
            stops. When standard output is not a terminal, a progress line is printed
            every few seconds instead. NO_COLOR is respected.

            Every way out leaves the device at zero and prints the summary (one JSON
            object with --json). The end, q, Esc, Ctrl-C, SIGTERM, SIGHUP and SIGQUIT
            ramp to zero within the profile's stop-ramp (at most 300 ms), then stop the
            device; a second signal or a device error stops it at once.

            Exit codes: 0 played to the end; 130 stopped by Ctrl-C, q or Esc; 143 SIGTERM
            (129 SIGHUP, 131 SIGQUIT, 141 standard output's reader gone); 69 device
            unavailable (not found, busy, no permission, the wrong interface); 74 the
            device failed while playing (unplugged, stalled, silent), frames did not
            reach it (a line too slow for --rate), or the trace or the progress could
            not be written; 73 the trace file cannot be created; 65 invalid pattern; 66
            pattern file missing or unreadable; 64 bad command line. docs/play.md has the
            details.

            Examples:
              knead play Patterns/desk-reset.yaml
              knead play Patterns/desk-reset.yaml --time-scale 10 --max-intensity 60
              knead play Patterns/handheld-quick-5.yaml --device handheld
              knead play Patterns/desk-reset.yaml --time-scale 20 --json --trace trace.csv
              knead play Patterns/handheld-quick-5.yaml --usb 045e:028e --device xbox360-rumble
              knead play Patterns/desk-reset.yaml --usb 1209:fffe,serial=KC-0001 --device knead-usb
            """)

    @Argument(help: ArgumentHelp("The pattern file.", valueName: "PATTERN"),
              completion: .file(extensions: ["yaml", "yml", "json"]))
    var pattern: String

    @OptionGroup var session: SessionOptions

    // Unconditional, so `--rate -5` gets the range message, not "missing value".
    @Option(parsing: .unconditional,
            help: ArgumentHelp("Frames per second, 1…2000 (and at most what the device takes).", valueName: "HZ"))
    var rate: Double = 100

    @Option(name: .customLong("time-scale"),
            help: ArgumentHelp("Simulator only: play X times faster than real time (e.g. 10); 0.01…1000.",
                               valueName: "X"))
    var timeScale: Double = 1

    @Flag(help: "Print the summary as one JSON object on standard output (progress lines go to standard error).")
    var json = false

    @Option(help: ArgumentHelp("Write the simulator's trace (what the device did, as csv) to FILE.", valueName: "FILE"),
            completion: .file())
    var trace: String?

    @Flag(help: "Spin for the last 200 µs before each frame: sharper timing for about 15% of a core at 1 kHz.")
    var precise = false

    @Option(help: ArgumentHelp("Simulator only: inject faults, e.g. 'latency=5ms,drop=1%,stall=3s+200ms,hangup=10s' "
                               + "(times in seconds from the start of the play; see Simulator/README.md).",
                               valueName: "SPEC"))
    var fault: String?

    @Option(help: ArgumentHelp("Play on the real device at this serial port (e.g. /dev/ttyUSB0, or the path 'knead sim' prints); "
                               + "--device must then name a profile with a connection (osr2, tcode-vibrator, knead-chair, "
                               + "knead-handheld or a file). docs/drivers.md.", valueName: "PATH"),
            completion: .file())
    var port: String?

    @Option(help: ArgumentHelp("Play on the USB device with this id (VID:PID as lsusb prints it, e.g. 045e:028e; add "
                               + ",serial=S or ,path=1-4.2 to pick one of several); --device must then name a USB "
                               + "profile (knead-usb, xbox360-rumble, rez-trancevibrator or a file). docs/drivers.md.",
                               valueName: "ID"))
    var usb: String?

    static let rateRange: ClosedRange<Double> = 1...2000
    static let timeScaleRange: ClosedRange<Double> = 0.01...1000

    /// Where the device is: `--port PATH` a serial port, `--usb ID` a USB device, else the simulator.
    var location: DeviceLocation {
        if let port { return .serialPort(port) }
        if let usb, case let .success(selector) = USBSelector.parse(usb) { return .usb(selector) }
        return .simulator
    }

    func validate() throws {
        guard rate.isFinite, Self.rateRange.contains(rate) else {
            throw ValidationError("--rate must be between 1 and 2000 Hz, not \(numberText(rate))")
        }
        guard timeScale.isFinite, Self.timeScaleRange.contains(timeScale) else {
            throw ValidationError("--time-scale must be between 0.01 and 1000, not \(numberText(timeScale))")
        }
        if let problem = location.validate(timeScale: timeScale, trace: trace, fault: fault) {
            throw ValidationError(problem)
        }
        if let fault {
            do { _ = try SimulatorFaults(spec: fault) } catch { throw ValidationError("--fault: \(error)") }
        }
        if let trace, trace.isEmpty { throw ValidationError("--trace needs a file name") }
        if let trace, let problem = SameFile.check(output: trace, option: "--trace", input: pattern) {
            throw ValidationError(problem)
        }
        if let port, port.isEmpty { throw ValidationError("--port needs the path of a serial port") }
        if port != nil, usb != nil {
            throw ValidationError("--port and --usb both name the device: give one (a serial port or a USB id)")
        }
        if let usb, case let .failure(problem) = USBSelector.parse(usb) { throw ValidationError("--usb: \(problem)") }
    }

    func run() throws {
        let prepared = try PreparedSession.load(path: pattern, options: session)
        try prepared.refuseRateAboveDevice(rate)
        let linkRate: Double
        switch location.linkRate(profile: prepared.device, requested: rate) {
        case let .failure(problem):
            Console.error("knead: error: \(problem.message)\n")
            throw KneadExitCode.usage
        case let .success((rate, note)):
            if let note { Console.error("knead: note: \(note)\n") }
            linkRate = rate
        }
        let environment = ProcessInfo.processInfo.environment
        let settings = PlaySettings(
            rate: linkRate, timeScale: timeScale, precise: precise, tracePath: trace,
            faults: fault.flatMap { try? SimulatorFaults(spec: $0) } ?? SimulatorFaults(),
            location: location, environment: environment)
        let player = Player(session: prepared, settings: settings)
        let json = self.json
        let summary = LivePlay(player: player, environment: environment) { line in
            Console.attempt(line, to: json ? 2 : 1)
        }.run()
        if let error = summary.error ?? summary.traceError { Console.error("knead: error: \(error)\n") }
        let printed = Console.output(json ? summary.json + "\n" : summary.text)
        if summary.exitCode != 0 { throw ExitCode(summary.exitCode) }
        // The play went well but nobody got its summary (a full disk, a closed pipe).
        if !printed { throw KneadExitCode.ioError }
    }
}
