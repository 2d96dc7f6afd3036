import ArgumentParser
import KneadBenchmarks
import KneadPictures
import KneadSimulator
import KneadCore

/// `knead bench link`: what each protocol sustains over a paced serial line
/// (KneadBenchmarks' LinkBenchmark), printed a row a rate as it is measured.
struct BenchLinkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "link",
        abstract: "Measure what each protocol sustains over a paced serial line (use a release build).",
        discussion: """
            For TCode (the sr6 axes) and the knead wire protocol (knead-chair), plays
            frames whose every channel changes at every frame, at rising rates, for
            --seconds each, through the real driver to the simulator on a pseudo-terminal
            paced at --baud (8N1: ten bits a byte). A rate is sustained when play ends
            without error and the line keeps up: for TCode no line waits more than 20 ms
            to cross; for the wire protocol every setpoint is executed, none late.

            Then plays the wire protocol at --stall-rate with the host's engine stalled
            for 50 ms at random (about once a second) and reports the device's timing
            error: the lead buffer is meant to absorb the stalls (target: no frame
            executed late).

            docs/performance.md, section "Serial link (issue 4)", has the figures.
            """)

    @Option(help: ArgumentHelp("Seconds played at each rate.", valueName: "S"))
    var seconds: Double = 3

    @Option(help: ArgumentHelp("Baud rate of the paced line.", valueName: "BAUD"))
    var baud: Int = 115_200

    @Option(name: .customLong("stall-seconds"), help: ArgumentHelp("Seconds of the stalled-host run.", valueName: "S"))
    var stallSeconds: Double = 10

    @Option(name: .customLong("stall-rate"), help: ArgumentHelp("Frame rate of the stalled-host run, Hz.", valueName: "HZ"))
    var stallRate: Double = 200

    @Option(help: ArgumentHelp("Rates to try, comma-separated (default: 50 to 1000 Hz, until two in a row fail).",
                               valueName: "HZ,HZ…"))
    var rates: String?

    @Option(help: ArgumentHelp("Protocols to measure, comma-separated.", valueName: "tcode,kwp"))
    var protocols: String = "tcode,kwp"

    @Flag(name: .customLong("no-stall"), help: "Skip the stalled-host run.")
    var noStall = false

    var rateList: [Double] { rates.map { $0.split(separator: ",").compactMap { Double($0) } } ?? LinkSweep.defaultRates }
    var protocolList: [DeviceProtocol?] { protocols.split(separator: ",").map { DeviceProtocol(rawValue: String($0)) } }

    func validate() throws {
        guard (0.5...60).contains(seconds), (1...120).contains(stallSeconds) else {
            throw ValidationError("--seconds must be 0.5…60 and --stall-seconds 1…120")
        }
        guard PtySpeeds.accepted.contains(baud) else {
            throw ValidationError("--baud must be one of " + PtySpeeds.accepted.map(String.init).joined(separator: ", "))
        }
        guard (10...1000).contains(stallRate) else { throw ValidationError("--stall-rate must be 10…1000 Hz") }
        guard !rateList.isEmpty, rateList.allSatisfy({ (1...2000).contains($0) }) else {
            throw ValidationError("--rates takes rates of 1…2000 Hz, comma-separated, e.g. 300,400")
        }
        guard !protocolList.isEmpty, protocolList.allSatisfy({ $0 != nil }) else {
            throw ValidationError("--protocols takes tcode, kwp or both, comma-separated")
        }
    }

    func run() throws {
        #if DEBUG
        Console.error("knead: note: this is a debug build; measure with a release build for figures that mean something\n")
        #endif
        let bench = LinkBenchmark(baud: baud, tcodeProfile: try DeviceChoice.resolve("sr6"),
                                  kwpProfile: try DeviceChoice.resolve("knead-chair"),
                                  realtimePriority: SimCommand.realtimePriority)
        do {
            Console.output("Serial link at \(baud) baud, 8N1 (\(Int(bench.capacity)) bytes/s), paced by knead sim; "
                           + "every channel changes at every frame; \(decimalText(seconds, 1)) s a rate\n\n")
            Console.output(LinkRow.header + "\n")
            let served = protocolList.compactMap { $0 }
            var best: [DeviceProtocol: LinkRow] = [:]
            for served in served {
                best[served] = try LinkSweep.run(rates: rateList,
                                                 measure: { try bench.measure(served, rate: $0, seconds: seconds) },
                                                 report: { Console.output($0.line + "\n") })
            }
            Console.output("\n")
            for served in served {
                Console.output(LinkSweep.summary(protocolName: served.rawValue, best: best[served]))
            }
            guard !noStall else { return }
            Console.output("\n")
            Console.output(try bench.stalledHost(rate: stallRate, seconds: stallSeconds).text)
        } catch let error as LinkBenchmarkError {
            throw ValidationError(error.description)
        }
    }
}
