import ArgumentParser

@main
struct Knead: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "knead",
        abstract: "Turn massage patterns into timed frames and play them on a massager.",
        subcommands: [])
}
