import ArgumentParser
import KneadBenchmarks

/// A `knead bench` subcommand that runs some of the in-process measurements: it only
/// names which, the options and the table are shared.
protocol LocalBenchSubcommand: ParsableCommand {
    static var selection: LocalBenchmarks.Selection { get }
    var options: BenchCommand.Options { get }
}

extension LocalBenchSubcommand {
    func run() throws { try BenchCommand.measure(Self.selection, options: options) }
}

struct BenchAllCommand: LocalBenchSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "all", abstract: "render, check and memory (the default).")
    static let selection = LocalBenchmarks.Selection.all
    @OptionGroup var options: BenchCommand.Options
}

struct BenchRenderCommand: LocalBenchSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "render", abstract: "Time a render to csv into /dev/null (median of 3, with CPU time).",
        discussion: "Example:\n  knead bench render --minutes 15 --rate 1000")
    static let selection = LocalBenchmarks.Selection.render
    @OptionGroup var options: BenchCommand.Options
}

struct BenchCheckCommand: LocalBenchSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "check", abstract: "Time knead check's work on a pattern, in this process.",
        discussion: "Example:\n  knead bench check --pattern Patterns/trigger-point-tour.yaml")
    static let selection = LocalBenchmarks.Selection.check
    @OptionGroup var options: BenchCommand.Options
}

struct BenchMemoryCommand: LocalBenchSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "memory", abstract: "Peak memory rendering a 2-minute and a 2-hour pattern.",
        discussion: "Example:\n  knead bench memory --rate 2000")
    static let selection = LocalBenchmarks.Selection.memory
    @OptionGroup var options: BenchCommand.Options
}
