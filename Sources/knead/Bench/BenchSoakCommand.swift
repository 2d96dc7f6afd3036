import ArgumentParser
import Foundation
import KneadBenchmarks
import KneadCore
import KneadPictures
import KneadSimulator

/// `knead bench soak`: the knead wire protocol for a long time on a paced line that
/// damages bytes (KneadBenchmarks' SoakBenchmark), and a verdict.
struct BenchSoakCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "soak",
        abstract: "Play the wire protocol for a long time on a noisy paced line (use a release build).",
        discussion: """
            Plays frames whose every channel changes at every frame at --rate through the
            real wire protocol driver to the simulator on a pseudo-terminal paced at
            --baud, with --noise of the bytes damaged both ways, and (with --busy) a
            thread spinning on the other core. Reports the setpoints lost (want 0) and
            late, the device's timing error p50/p99/p99.9, the host's error in estimating
            the device clock (after the first minute, and the worst), the engine's
            lateness, and the resident memory after 10 s and at the end.

            Exit 0 when no setpoint was lost, none was late, play ended without error and
            memory grew by less than 8 MiB; 1 otherwise. docs/reliability.md, "Soak", has
            the figures.

            Examples:
              swift build -c release && .build/release/knead bench soak --minutes 60 --busy
              .build/release/knead bench soak --minutes 5 --busy      # what CI runs
            """)

    @Option(help: ArgumentHelp("Minutes to play.", valueName: "M"))
    var minutes: Double = 60

    @Option(help: ArgumentHelp("Frames a second.", valueName: "HZ"))
    var rate: Double = 100

    @Option(help: ArgumentHelp("Share of the bytes damaged, each way.", valueName: "PERCENT"))
    var noise: String = "1%"

    @Option(help: ArgumentHelp("Baud rate of the paced line.", valueName: "BAUD"))
    var baud: Int = 115_200

    @Flag(help: "Keep the other core busy with a spinning thread.")
    var busy = false

    @Flag(help: "Print the report as one JSON object.")
    var json = false

    static let memoryGrowthLimit = 8 * 1024 * 1024

    var noiseFraction: Double? {
        let text = noise.hasSuffix("%") ? String(noise.dropLast()) : noise
        guard let value = Double(text), value.isFinite else { return nil }
        return noise.hasSuffix("%") ? value / 100 : value
    }

    func validate() throws {
        guard (0.1...600).contains(minutes) else { throw ValidationError("--minutes must be 0.1…600") }
        guard (1...500).contains(rate) else { throw ValidationError("--rate must be 1…500 Hz") }
        guard let noise = noiseFraction, (0...0.05).contains(noise) else {
            throw ValidationError("--noise must be 0%…5% (more and IDENTIFY never arrives whole)")
        }
        guard PtySpeeds.accepted.contains(baud) else {
            throw ValidationError("--baud must be one of " + PtySpeeds.accepted.map(String.init).joined(separator: ", "))
        }
    }

    func run() throws {
        #if DEBUG
        Console.error("knead: note: this is a debug build; measure with a release build for figures that mean something\n")
        #endif
        let bench = SoakBenchmark(seconds: minutes * 60, rate: rate, noise: noiseFraction ?? 0, baud: baud,
                                  busyCore: busy, realtimePriority: SimCommand.realtimePriority)
        Console.error("knead bench soak: \(decimalText(minutes, 1)) min at \(decimalText(rate, 0)) Hz, \(baud) baud paced, "
                      + "noise \(noise)\(busy ? ", the other core busy" : "")\n")
        let report: SoakBenchmark.Report
        do {
            report = try bench.run { Console.error($0 + "\n") }
        } catch {
            throw ValidationError(error.description)
        }
        let grew = report.memoryStart.flatMap { start in report.memoryEnd.map { $0 - start } }
        let passed = report.error == nil && report.lost == 0 && report.lateOnDevice == 0
            && (grew ?? 0) < Self.memoryGrowthLimit
        if json {
            Console.output(Self.json(report, grew: grew, passed: passed) + "\n")
        } else {
            Console.output(Self.text(report, grew: grew, passed: passed))
        }
        if !passed { throw ExitCode(1) }
    }

    static func kib(_ bytes: Int?) -> String { bytes.map { "\($0 / 1024) KiB" } ?? "—" }

    static func text(_ r: SoakBenchmark.Report, grew: Int?, passed: Bool) -> String {
        """
        played        \(decimalText(r.seconds / 60, 1)) min: \(r.framesSent) setpoints sent, \(r.executed) executed
        lost          \(r.lost) (want 0)
        late          \(r.lateOnDevice) on the device (want 0)
        line          \(r.corruptedBytes) bytes damaged, \(r.droppedFrames) frames dropped by the device, \
        \(r.retransmittedPackets) packets resent
        device timing error (median offset removed): p50 \(Int(r.deviceErrorP50)) µs, p99 \(Int(r.deviceErrorP99)) µs, \
        p99.9 \(Int(r.deviceErrorP999)) µs, max \(Int(r.deviceErrorMax)) µs
        host lateness p50 \(r.hostLateness.p50 / 1000) µs, p99 \(r.hostLateness.p99 / 1000) µs, \
        p99.9 \(r.hostLateness.p999 / 1000) µs, max \(r.hostLateness.max / 1000) µs
        device clock estimate error: max \(Int(r.clockErrorSettledMax.rounded())) µs after the first minute, \
        \(Int(r.clockErrorMax.rounded())) µs overall
        memory        \(kib(r.memoryStart)) after 10 s, \(kib(r.memoryEnd)) at the end\
        \(grew.map { " (\($0 >= 0 ? "+" : "")\($0 / 1024) KiB)" } ?? "")
        \(r.error.map { "error         \($0)\n" } ?? "")verdict       \(passed ? "passed" : "FAILED")

        """
    }

    static func json(_ r: SoakBenchmark.Report, grew: Int?, passed: Bool) -> String {
        let fields: [(String, String)] = [
            ("seconds", "\(r.seconds)"), ("framesSent", "\(r.framesSent)"), ("executed", "\(r.executed)"),
            ("lost", "\(r.lost)"), ("late", "\(r.lateOnDevice)"), ("corruptedBytes", "\(r.corruptedBytes)"),
            ("droppedFrames", "\(r.droppedFrames)"), ("retransmittedPackets", "\(r.retransmittedPackets)"),
            ("deviceErrorMicroseconds", "{\"p50\":\(r.deviceErrorP50),\"p99\":\(r.deviceErrorP99),"
                + "\"p999\":\(r.deviceErrorP999),\"max\":\(r.deviceErrorMax)}"),
            ("hostLatenessMicroseconds", "{\"p50\":\(r.hostLateness.p50 / 1000),\"p99\":\(r.hostLateness.p99 / 1000),"
                + "\"p999\":\(r.hostLateness.p999 / 1000),\"max\":\(r.hostLateness.max / 1000)}"),
            ("clockErrorMicroseconds", "{\"settledMax\":\(r.clockErrorSettledMax),\"max\":\(r.clockErrorMax)}"),
            ("memoryStartBytes", r.memoryStart.map(String.init) ?? "null"),
            ("memoryEndBytes", r.memoryEnd.map(String.init) ?? "null"),
            ("memoryGrowthBytes", grew.map(String.init) ?? "null"),
            ("error", r.error.map { "\"\($0.replacingOccurrences(of: "\"", with: "'"))\"" } ?? "null"),
            ("passed", passed ? "true" : "false"),
        ]
        return "{" + fields.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}"
    }
}
