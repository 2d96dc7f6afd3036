import Testing
@testable import KneadCore

/// `repeat` unrolling and the errors the compiler reports.
@Suite struct CompilerExpansionTests {
    typealias F = CompilerFixture

    static func rest(_ seconds: Double, line: Int) -> PatternItem {
        .step(F.step(.rest, .init(duration: seconds), line: line))
    }

    @Test func repeatsUnrollInOrder() throws {
        let pattern = Pattern(name: "r", items: [
            Self.rest(1, line: 1),
            .repeat(count: 3, items: [
                Self.rest(2, line: 3),
                .repeat(count: 2, items: [Self.rest(3, line: 5)], location: SourceLocation(line: 4, column: 3)),
            ], location: SourceLocation(line: 2, column: 3)),
            Self.rest(4, line: 6),
        ])
        let timeline = try Compiler.compile(pattern)
        #expect(timeline.steps.map(\.duration) == [1, 2, 3, 3, 2, 3, 3, 2, 3, 3, 4])
        #expect(timeline.steps.map(\.location.line) == [1, 3, 5, 5, 3, 5, 5, 3, 5, 5, 6])
        #expect(timeline.steps.map(\.index) == Array(0..<11))
        // Rests at the parked position: back to back, no travel; then the settle.
        #expect(timeline.duration == 29 + Shaping.finalSettle)
    }

    @Test func emptyAndZeroRepeatsPlayNothing() throws {
        let pattern = Pattern(name: "r", items: [
            .repeat(count: 1_000_000_000, items: [], location: .unknown),
            .repeat(count: 2_000_000_000, items: [
                .repeat(count: 2_000_000_000, items: [], location: .unknown),
            ], location: .unknown),
            .repeat(count: 0, items: [Self.rest(1, line: 1)], location: .unknown),
            Self.rest(2, line: 2),
        ])
        let timeline = try Compiler.compile(pattern)
        #expect(timeline.steps.map(\.duration) == [2])
    }

    @Test func tooManyStepsIsAnErrorAtTheRepeat() throws {
        let inner = SourceLocation(line: 3, column: 5)
        let pattern = Pattern(name: "bomb", items: [
            .repeat(count: 1000, items: [
                .repeat(count: 1000, items: [Self.rest(1, line: 4)], location: inner),
            ], location: SourceLocation(line: 2, column: 3)),
        ])
        let error = #expect(throws: CompileError.self) { try Compiler.compile(pattern) }
        #expect(error?.location == SourceLocation(line: 2, column: 3))
        #expect(error?.message.contains("more than \(Compiler.maximumExpandedSteps) steps") == true)
    }

    @Test func overflowingCountsAreCaught() throws {
        var items: [PatternItem] = [Self.rest(1, line: 9)]
        for depth in 0..<8 {
            items = [.repeat(count: Int.max / 2, items: items, location: SourceLocation(line: 8 - depth, column: 1))]
        }
        let error = #expect(throws: CompileError.self) { try Compiler.compile(Pattern(name: "x", items: items)) }
        #expect(error?.location.line == 8)
    }

    @Test func deepNestingNeedsNoRecursion() throws {
        var items: [PatternItem] = [Self.rest(1, line: 1)]
        for _ in 0..<2_000 { items = [.repeat(count: 1, items: items, location: .unknown)] }
        let timeline = try Compiler.compile(Pattern(name: "deep", items: items))
        #expect(timeline.steps.count == 1)
    }

    @Test func exactlyTheLimitIsAllowed() throws {
        let pattern = Pattern(name: "max", items: [
            .repeat(count: Compiler.maximumExpandedSteps, items: [Self.rest(0.5, line: 1)], location: .unknown),
        ])
        #expect(try Compiler.compile(pattern).steps.count == Compiler.maximumExpandedSteps)
    }

    @Test func emptyPatternIsAnError() throws {
        let pattern = Pattern(name: "empty", items: [], location: SourceLocation(line: 1, column: 1))
        let error = #expect(throws: CompileError.self) { try Compiler.compile(pattern) }
        #expect(error?.location == SourceLocation(line: 1, column: 1))
    }

    @Test(arguments: [
        (StepParameters(duration: .nan), "duration"),
        (StepParameters(duration: -3), "duration"),
        (StepParameters(duration: 0), "duration"),
        (StepParameters(duration: 1e12), "duration"),
        (StepParameters(intensity: 1.5), "intensity"),
        (StepParameters(pressure: -0.1), "pressure"),
        (StepParameters(heat: .infinity), "heat"),
        (StepParameters(zone: .point(BackPoint(x: 2, y: 0.5))), "zone"),
        (StepParameters(circle: 0), "circle"),
    ])
    func badValuesAreErrorsAtTheirStep(parameters: StepParameters, key: String) throws {
        let step = F.step(.petrissage, parameters, line: 12)
        let error = #expect(throws: CompileError.self) { try F.compile(F.step(.rest), step) }
        #expect(error?.location == SourceLocation(line: 12, column: 1))
        #expect(error?.message.hasPrefix("petrissage: \(key)") == true)
    }

    @Test func triggerPointNeedsAPlace() throws {
        let error = #expect(throws: CompileError.self) { try F.compile(F.step(.triggerPoint, line: 3)) }
        #expect(error?.message.contains("at:") == true)
    }

    @Test func scriptNeedsItsTrack() throws {
        #expect(throws: CompileError.self) { try F.compile(F.step(.script)) }
        let unordered = ScriptTrack(path: "w.funscript", points: [.init(time: 2, position: 0), .init(time: 1, position: 1)])
        #expect(throws: CompileError.self) { try F.compile(F.step(.script, .init(script: unordered))) }
        let instant = ScriptTrack(path: "w.funscript", points: [.init(time: 0, position: 0.5)])
        let error = #expect(throws: CompileError.self) { try F.compile(F.step(.script, .init(script: instant))) }
        #expect(error?.message.contains("duration") == true)
    }

    @Test func unusableProfilesAreErrors() throws {
        var device = DeviceProfile.chair
        device.intensity.maxSlew = 0
        #expect(throws: CompileError.self) { try F.compile(F.step(.rest), device: device) }
        device = .chair
        device.position?.maxSpeed = .nan
        #expect(throws: CompileError.self) { try F.compile(F.step(.rest), device: device) }
        #expect(throws: CompileError.self) {
            try F.compile(F.step(.rest), body: BodyProfile(shoulderHeight: 0, backWidth: 400))
        }
    }
}
