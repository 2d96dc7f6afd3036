/// `repeat` blocks unrolled into the flat list of steps that will be played.
///
/// Iterative (an explicit stack, no recursion), so nesting depth cannot overflow the
/// call stack, and bounded: a pattern that would play more than
/// `Compiler.maximumExpandedSteps` steps is an error at the `repeat` that crosses the
/// limit, found before anything is expanded. Empty bodies repeated a billion times
/// cost nothing.
enum Expansion {
    struct Frame {
        var items: [PatternItem]
        var next = 0
        /// Remaining passes over `items` after the current one.
        var remaining: Int
        var location: SourceLocation
        /// Steps emitted when the current pass began (to skip passes that emit nothing).
        var emittedAtPassStart: Int
        /// Steps in one pass (counting phase).
        var perPass = 0
    }

    static func expand(_ pattern: Pattern, limit: Int) throws(CompileError) -> [Step] {
        let total = try count(pattern.items, limit: limit, location: pattern.location)
        var steps: [Step] = []
        steps.reserveCapacity(total)
        var stack = [Frame(items: pattern.items, remaining: 0, location: pattern.location, emittedAtPassStart: 0)]
        while var top = stack.popLast() {
            if top.next < top.items.count {
                let item = top.items[top.next]
                top.next += 1
                stack.append(top)
                switch item {
                case let .step(step):
                    steps.append(step)
                case let .repeat(count, items, location):
                    if count > 0, !items.isEmpty {
                        stack.append(Frame(items: items, remaining: count - 1, location: location,
                                           emittedAtPassStart: steps.count))
                    }
                }
            } else if top.remaining > 0, steps.count > top.emittedAtPassStart {
                // Another pass; a pass that emitted nothing would emit nothing again.
                top.remaining -= 1
                top.next = 0
                top.emittedAtPassStart = steps.count
                stack.append(top)
            }
        }
        return steps
    }

    /// Steps the pattern plays, without expanding it; throws once the count passes `limit`.
    static func count(_ items: [PatternItem], limit: Int, location: SourceLocation) throws(CompileError) -> Int {
        var stack = [Frame(items: items, remaining: 0, location: location, emittedAtPassStart: 0)]
        while var top = stack.popLast() {
            if top.next < top.items.count {
                let item = top.items[top.next]
                top.next += 1
                switch item {
                case .step:
                    top.perPass += 1
                    stack.append(top)
                case let .repeat(count, inner, location):
                    stack.append(top)
                    // remaining carries the repeat count through the counting phase.
                    stack.append(Frame(items: inner, remaining: Swift.max(0, count), location: location,
                                       emittedAtPassStart: 0))
                }
                if top.perPass > limit { throw tooMany(limit, at: top.location) }
            } else {
                let (product, overflow) = top.perPass.multipliedReportingOverflow(by: top.remaining)
                if stack.isEmpty { return top.perPass }
                let passes = product
                if overflow || passes > limit { throw tooMany(limit, at: top.location) }
                var parent = stack.removeLast()
                parent.perPass += passes
                if parent.perPass > limit { throw tooMany(limit, at: top.location) }
                stack.append(parent)
            }
        }
        return 0
    }

    static func tooMany(_ limit: Int, at location: SourceLocation) -> CompileError {
        CompileError("this repeat plays more than \(limit) steps in all; lower its count", at: location)
    }
}
