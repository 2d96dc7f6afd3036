import ArgumentParser

struct BenchAllCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "all", abstract: "render, check and memory (the default).")
    @OptionGroup var options: BenchCommand.Options
    func run() throws { try BenchCommand.measure(.all, options: options) }
}

struct BenchRenderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render", abstract: "Time a render to csv into /dev/null (median of 3, with CPU time).",
        discussion: "Example:\n  knead bench render --minutes 15 --rate 1000")
    @OptionGroup var options: BenchCommand.Options
    func run() throws { try BenchCommand.measure(.render, options: options) }
}

struct BenchCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check", abstract: "Time knead check's work on a pattern, in this process.",
        discussion: "Example:\n  knead bench check --pattern Patterns/trigger-point-tour.yaml")
    @OptionGroup var options: BenchCommand.Options
    func run() throws { try BenchCommand.measure(.check, options: options) }
}

struct BenchMemoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "memory", abstract: "Peak memory rendering a 2-minute and a 2-hour pattern.",
        discussion: "Example:\n  knead bench memory --rate 2000")
    @OptionGroup var options: BenchCommand.Options
    func run() throws { try BenchCommand.measure(.memory, options: options) }
}
