import ArgumentParser
import KneadBenchmarks

/// `knead bench`: measurements for a release build. Each measurement is a subcommand
/// (`render`, `check`, `memory`; `all`, the default, runs the three), so other parts add
/// theirs beside them (`link` for the serial drivers). The measurements themselves live
/// in KneadBenchmarks.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure rendering speed, check time and memory (use a release build).",
        discussion: """
            render  a pattern of --minutes (default 15) at --rate (default 1000 Hz)
                    through the compiler, the safety envelope and the CSV writer into
                    /dev/null. Target: under 0.5 s for 15 minutes at 1 kHz.
            check   knead check's work on a shipped pattern, in this process: the
                    first run and the median of 20. Target: under 50 ms for the whole
                    process (measure that with hyperfine).
            memory  peak resident memory (VmHWM) while rendering a 2-minute and a
                    2-hour pattern at 1 kHz to /dev/null: the 2-hour one must not
                    need more.
            all     the three above (what plain 'knead bench' runs).

            The patterns for render and memory are built in code (a warm-up, then a
            block of about a minute of effleurage, petrissage, tapping and a rest,
            repeated), so the figures do not depend on the shipped files.

            Examples:
              swift build -c release && .build/release/knead bench
              .build/release/knead bench render --minutes 60
              hyperfine 'knead check Patterns/desk-reset.yaml'
            """,
        // One a line, so a new benchmark is a one-line change.
        subcommands: [
            BenchAllCommand.self,
            BenchRenderCommand.self,
            BenchCheckCommand.self,
            BenchMemoryCommand.self,
            BenchLinkCommand.self,
            BenchStopCommand.self,
            BenchSoakCommand.self,
        ],
        defaultSubcommand: BenchAllCommand.self)

    /// Options the in-process measurements share.
    struct Options: ParsableArguments {
        @Option(help: ArgumentHelp("Length of the pattern for 'render', minutes (1…180).", valueName: "MIN"))
        var minutes: Double = 15

        @Option(help: ArgumentHelp("Frame rate for 'render' and 'memory', Hz (1…2000).", valueName: "HZ"))
        var rate: Double = 1000

        @Option(help: ArgumentHelp("The pattern file for 'check'.", valueName: "PATTERN"))
        var pattern: String = "Patterns/desk-reset.yaml"

        func validate() throws {
            guard (1...180).contains(minutes) else { throw ValidationError("--minutes must be between 1 and 180") }
            guard RenderCommand.rateRange.contains(rate) else {
                throw ValidationError("--rate must be between 1 and 2000 Hz")
            }
        }
    }

    /// Runs the measurements selected and prints them as one table.
    static func measure(_ selection: LocalBenchmarks.Selection, options: Options) throws {
        #if DEBUG
        Console.error("knead: note: this is a debug build; measure with a release build "
                      + "(swift build -c release) for figures that mean something\n")
        #endif
        do {
            let table = try LocalBenchmarks.table(selection, minutes: options.minutes, rate: options.rate,
                                                  pattern: options.pattern)
            Console.output(table.text)
        } catch let invalid as CheckBenchmark.InvalidPattern {
            Console.error(invalid.rendered)
            throw KneadExitCode.invalidPattern
        }
    }
}
