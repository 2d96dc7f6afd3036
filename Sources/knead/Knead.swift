import ArgumentParser

@main
struct Knead: ParsableCommand {
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
        subcommands: [CheckCommand.self, PreviewCommand.self, RenderCommand.self, PlayCommand.self, SimCommand.self, DevicesCommand.self, BenchCommand.self])
}
