/// A level between 0 and 1: intensity, pressure, heat, a cap.
public typealias Level = Double

/// Named pressures a pattern may use instead of a number.
public enum PressureName: String, Sendable, CaseIterable {
    case light, medium, firm

    public var level: Level {
        switch self {
        case .light: return 0.3
        case .medium: return 0.5
        case .firm: return 0.75
        }
    }
}

/// Pressure at or above this level counts as firm (warnings, spine rule, hold cap).
public let firmPressureThreshold: Level = 0.6

/// Where something in a pattern file came from, for diagnostics.
public struct SourceLocation: Sendable, Hashable, Comparable {
    public var line: Int
    public var column: Int
    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }
    public static let unknown = SourceLocation(line: 0, column: 0)
    public static func < (a: SourceLocation, b: SourceLocation) -> Bool {
        (a.line, a.column) < (b.line, b.column)
    }
}

extension Double {
    /// Clamped to 0…1, with NaN treated as 0 (the safe value).
    @inlinable public var unitClamped: Double {
        guard self == self else { return 0 }
        return Swift.min(1, Swift.max(0, self))
    }
}
