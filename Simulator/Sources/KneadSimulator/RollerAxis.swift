/// One axis of the roller: moves toward its target as fast as the speed and
/// acceleration limits allow, braking so that it stops on the target without
/// overshooting (when the target is still, which is the case the controller is for).
///
/// The discrete controller: at each tick of length dt it picks the highest velocity
/// v' that (1) differs from the current velocity v by at most a·dt, (2) is at most
/// vmax, and (3) still lets it stop at the target when braking at a afterwards:
///
///     (v + v')/2 · dt + v'²/(2a) ≤ e          (e: distance left)
///
/// and moves by (v + v')/2 · dt (exact for constant acceleration within a tick). From
/// rest, a move of D ≥ vmax²/a therefore takes exactly D/vmax + vmax/a: vmax/a to
/// reach full speed (covering vmax²/2a), cruise, and vmax/a to brake, to the tick
/// wherever the cruise distance is a whole number of ticks.
public struct RollerAxis: Sendable, Equatable {
    public var position: Double
    public var velocity: Double
    public var target: Double
    public let maxSpeed: Double
    public let maxAcceleration: Double

    public init(position: Double, maxSpeed: Double, maxAcceleration: Double) {
        self.position = position
        self.velocity = 0
        self.target = position
        self.maxSpeed = Swift.max(0, maxSpeed)
        self.maxAcceleration = Swift.max(0, maxAcceleration)
    }

    /// Distances within this are "there" (1 nm): absorbs floating-point residue.
    static let arrivalTolerance = 1e-6

    public var isAtRest: Bool { velocity == 0 && position == target }

    /// Where the axis comes to rest if it brakes as hard as it can from now.
    public var stoppingPoint: Double {
        guard maxAcceleration > 0 else { return position }
        let distance = velocity * velocity / (2 * maxAcceleration)
        return position + (velocity < 0 ? -distance : distance)
    }

    public mutating func step(dt: Double) {
        let error = target - position
        if velocity == 0 && Swift.abs(error) <= Self.arrivalTolerance {
            position = target
            return
        }
        let a = maxAcceleration, vmax = maxSpeed
        guard a > 0, vmax > 0 else { return }
        // Work in the direction of the target; when on it but still moving, brake.
        let direction: Double = error > 0 ? 1 : (error < 0 ? -1 : (velocity > 0 ? -1 : 1))
        let remaining = Swift.abs(error)
        let v = velocity * direction
        if v >= 0 && v <= a * dt * (1 + 1e-9) && v * dt / 2 >= remaining - Self.arrivalTolerance {
            // Slow and close: braking within this tick halts it on the target.
            position = target
            velocity = 0
            return
        }
        let discriminant = dt * dt / 4 + (2 * remaining - v * dt) / a
        let stoppable = discriminant >= 0 ? a * (-dt / 2 + discriminant.squareRoot()) : -Double.infinity
        var next = Swift.min(vmax, v + a * dt, stoppable)
        next = Swift.max(next, v - a * dt, -vmax)
        let move = (v + next) / 2 * dt
        if move >= remaining - Self.arrivalTolerance && next <= a * dt * (1 + 1e-9) {
            // Arrives this tick slowly enough to halt on the target.
            position = target
            velocity = 0
        } else {
            position += move * direction
            velocity = next * direction
        }
    }
}
