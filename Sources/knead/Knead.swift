import ArgumentParser
import KneadSystem

@main
struct Knead: ParsableCommand {
    /// The release, as `knead --version` prints it.
    static let version = "0.7.0"

    static let configuration = CommandConfiguration(
        commandName: "knead",
        abstract: "Turn massage patterns into timed frames and play them on a massager.",
        discussion: """
            A pattern file describes a massage program as steps (warm-up, effleurage,
            petrissage, trigger-point, …) on named zones of the upper back. knead checks
            it, draws it, exports its frames, and plays it.

            Start here:
              knead check Patterns/desk-reset.yaml
              knead preview Patterns/desk-reset.yaml
              knead render Patterns/desk-reset.yaml --format svg --output desk-reset.svg
              knead play Patterns/desk-reset.yaml

            docs/cli.md describes every command, option, output format and exit code.
            """,
        version: version,
        subcommands: [CheckCommand.self, PreviewCommand.self, RenderCommand.self, PlayCommand.self, SimCommand.self, DevicesCommand.self, BenchCommand.self])

    static func main() {
        CrashPolicy.neverWaitInAPrompt()
        // ArgumentParser answers `help NAME` for an unknown NAME with the general help
        // and exit 0, so a script cannot tell a typo from a real topic.
        if let problem = HelpTopic.unknownName(in: Array(CommandLine.arguments.dropFirst()), root: Knead.self) {
            Console.error(problem)
            exit(withError: KneadExitCode.usage)
        }
        main(nil)
    }
}

/// The names after `knead help`, checked against the command tree.
enum HelpTopic {
    /// The error for the first name after `help` that is not a command at its level; nil
    /// when the arguments are not a `help` request or every name is known.
    static func unknownName(in arguments: [String], root: ParsableCommand.Type) -> String? {
        guard arguments.first == "help" else { return nil }
        var command = root
        var path = root.configuration.commandName ?? "knead"
        for name in arguments.dropFirst() where !name.hasPrefix("-") {
            let subcommands = command.configuration.subcommands
            let names = subcommands.compactMap { $0.configuration.commandName }
            guard let index = names.firstIndex(of: name) else {
                let known = names.isEmpty ? "'\(path)' has no subcommands" : "commands: " + names.joined(separator: ", ")
                return "knead: error: unknown command '\(name)'\n  \(known)\n"
            }
            command = subcommands[index]
            path += " " + name
        }
        return nil
    }
}

/// A crash while a device is connected must end the process (the device's watchdog
/// then brings it to zero), never stop every thread in the Swift runtime's interactive
/// backtrace prompt, which it offers when a terminal is attached. The runtime reads
/// SWIFT_BACKTRACE once at start, so the commands that drive a device re-execute
/// themselves once with `interactive=no` added (backtraces are still printed).
enum CrashPolicy {
    static let drivingCommands: Set<String> = ["play", "sim"]

    static func neverWaitInAPrompt() {
        let arguments = CommandLine.arguments
        guard arguments.count > 1, drivingCommands.contains(arguments[1]) else { return }
        let current = ProcessImage.environment("SWIFT_BACKTRACE") ?? ""
        guard !current.contains("interactive=") else { return }
        let setting = current.isEmpty ? "interactive=no" : current + ",interactive=no"
        guard ProcessImage.setEnvironment("SWIFT_BACKTRACE", to: setting) else { return }
        // On failure (no /proc), go on as we are: the setting is then only for children.
        ProcessImage.restart()
    }
}
