/// "Did you mean" for misspelt names: technique names, parameter keys, zones.
enum Suggestions {
    /// Edit distance counting insertions, deletions, substitutions and swaps of two
    /// neighbouring letters (optimal string alignment), so `efleurage`, `effluerage`
    /// and `Effleurage` are all one or two edits from `effleurage`.
    static func distance(_ a: String, _ b: String) -> Int {
        let s = Array(a.unicodeScalars), t = Array(b.unicodeScalars)
        if s.isEmpty { return t.count }
        if t.isEmpty { return s.count }
        var previous2 = [Int](repeating: 0, count: t.count + 1)
        var previous = Array(0...t.count)
        var current = [Int](repeating: 0, count: t.count + 1)
        for i in 1...s.count {
            current[0] = i
            for j in 1...t.count {
                let cost = s[i - 1] == t[j - 1] ? 0 : 1
                var best = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, s[i - 1] == t[j - 2], s[i - 2] == t[j - 1] {
                    best = min(best, previous2[j - 2] + 1)
                }
                current[j] = best
            }
            (previous2, previous, current) = (previous, current, previous2)
        }
        return previous[t.count]
    }

    /// The closest candidates to `input` (ties kept, in the candidates' order), if any is
    /// close enough to be a plausible typo: within a third of the word's length (at
    /// least 1, at most 3 edits), ignoring case. A name the input is a part of
    /// (`trapezius` in `upper-trapezius`) also counts when nothing is closer.
    static func closest(to input: String, among candidates: [String]) -> [String] {
        guard input.count <= 64 else { return [] }
        let needle = input.lowercased()
        let limit = max(1, min(3, needle.count / 3))
        var best = Int.max
        var found: [String] = []
        for candidate in candidates {
            let d = distance(needle, candidate.lowercased())
            if d < best { best = d; found = [candidate] } else if d == best, !found.contains(candidate) { found.append(candidate) }
        }
        // A one-letter key is one edit from every other one-letter key: no suggestion there.
        if best <= limit, best < needle.count { return found }
        if needle.count >= 4 {
            let containing = candidates.filter { $0.lowercased().contains(needle) }
            // `upper-trapezius` rather than it and its `-left` and `-right` forms.
            let shortest = containing.filter { name in !containing.contains { $0 != name && name.hasPrefix($0) } }
            if !shortest.isEmpty { return shortest }
        }
        return []
    }

    /// ` (did you mean 'a'?)`, ` (did you mean 'a' or 'b'?)`, or "" when nothing is close.
    static func didYouMean(_ input: String, among candidates: [String]) -> String {
        let found = closest(to: input, among: candidates).prefix(3).map { "'\($0)'" }
        switch found.count {
        case 0: return ""
        case 1: return " (did you mean \(found[0])?)"
        default: return " (did you mean \(found.dropLast().joined(separator: ", ")) or \(found.last!)?)"
        }
    }
}

extension Suggestions {
    /// Common massage names that are not knead techniques, with what knead offers
    /// instead. Looked up (lower case) before "did you mean": `hot-stone` is close to no
    /// technique by spelling, but knead does have its warmth.
    static let otherMassageNames: [String: String] = [
        "cupping": "knead has no suction; for blood flow to a tight area use petrissage or friction",
        "hot-stone": "hot stone is heat here: add 'heat: 40%' to a step, e.g. '- myofascial: {zone: rhomboids, heat: 40%}'",
        "hot-stones": "hot stone is heat here: add 'heat: 40%' to a step, e.g. '- myofascial: {zone: rhomboids, heat: 40%}'",
        "stone": "hot stone is heat here: add 'heat: 40%' to a step, e.g. '- myofascial: {zone: rhomboids, heat: 40%}'",
        "heat": "heat is a parameter, not a technique: add 'heat: 40%' to a step",
        "stretching": "a massager cannot stretch you; for slow sustained release use myofascial",
        "stretch": "a massager cannot stretch you; for slow sustained release use myofascial",
        "kneading": "kneading is petrissage",
        "swedish": "Swedish massage is effleurage, petrissage and tapping: write those steps",
        "stroking": "long light strokes are effleurage",
        "tapotement": "tapotement is tapping",
        "percussion": "percussion is tapping (or vibration on a handheld)",
        "acupressure": "pressing points is shiatsu (along a line) or trigger-point (one point held)",
        "compression": "press-and-release is shiatsu; a held press is trigger-point",
        "rolling": "rolling and kneading is petrissage",
        "reflexology": "reflexology works the feet and hands; knead works the upper back",
        "thai": "Thai massage's presses are shiatsu here; its stretches a massager cannot do",
        "sports": "sports massage here is deep-tissue (opt-in) and friction",
        "lymphatic": "lymphatic drainage is very light effleurage towards the heart: effleurage with pressure: light",
        "massage-gun": "a massage gun's work is tapping or vibration",
    ]

    /// What knead offers instead of `name`, if it is a common massage name knead does
    /// not have.
    static func instead(of name: String) -> String? {
        otherMassageNames[name.lowercased()]
    }
}
