/// Pattern + device profile + body profile → timeline.
///
/// OWNER: compiler. Public API fixed; internals free.
public enum Compiler {
    public static func compile(_ pattern: Pattern, device: DeviceProfile = .chair,
                               body: BodyProfile = .default) throws(CompileError) -> Timeline {
        Timeline(name: pattern.name, duration: 0, steps: [])
    }
}

/// A pattern that parsed but cannot be compiled (for example it expands to too many steps).
public struct CompileError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public var location: SourceLocation
    public init(_ message: String, at location: SourceLocation) {
        self.message = message
        self.location = location
    }
    public var description: String { message }
}
