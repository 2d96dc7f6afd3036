import Foundation
import KneadCore

/// Frames whose every channel changes at every frame, slowly enough for the envelope's
/// slew limits: intensity, pressure and a circle on the back, as sines. Every channel
/// changing is the worst case for a protocol that sends only what changed.
struct ChangingFrames: Sequence, IteratorProtocol {
    let rate: Double
    let count: Int
    private var index = 0

    init(rate: Double, count: Int) {
        self.rate = rate
        self.count = count
    }

    mutating func next() -> Frame? {
        guard index < count else { return nil }
        let t = Double(index) / rate
        index += 1
        let turn = 2 * Double.pi
        let x = 0.5 + 0.15 * sin(turn * 0.25 * t), y = 0.5 + 0.15 * cos(turn * 0.25 * t)
        return Frame(time: t, intensity: 0.5 + 0.2 * sin(turn * 0.7 * t), x: x, y: y,
                     pressure: 0.3 + 0.1 * sin(turn * 0.5 * t), heat: 0, technique: .vibration,
                     target: .point(BackPoint(x: x, y: y)), step: 0)
    }
}
