/// A link benchmark that could not start: no pseudo-terminal, no driver. The text says
/// which and why.
public struct LinkBenchmarkError: Error, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
