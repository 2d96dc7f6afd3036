import KneadPlayer
/// What a key pressed during play asks for.
public enum PlayKey: Sendable, Equatable {
    /// Space: pause, or resume when paused.
    case togglePause
    /// `+` (or `=`, the same key without shift; ↑): the person's cap up by 10 %.
    case capUp
    /// `-` (or `_`; ↓): the person's cap down by 10 %.
    case capDown
    /// `q` or Esc.
    case quit(PlayOutcome.PersonStop)

    /// The keys in one read from the terminal, in order. Escape sequences (arrows,
    /// function keys) are taken whole, so the Esc that starts them does not stop play;
    /// an Esc on its own does.
    public static func decode(_ bytes: [UInt8]) -> [PlayKey] {
        var keys: [PlayKey] = []
        var i = 0
        while i < bytes.count {
            let byte = bytes[i]
            i += 1
            switch byte {
            case UInt8(ascii: " "): keys.append(.togglePause)
            case UInt8(ascii: "+"), UInt8(ascii: "="): keys.append(.capUp)
            case UInt8(ascii: "-"), UInt8(ascii: "_"): keys.append(.capDown)
            case UInt8(ascii: "q"), UInt8(ascii: "Q"): keys.append(.quit(.quitKey))
            // Ctrl-C arrives as SIGINT in cbreak mode; the byte only if a terminal sends it raw.
            case 0x03: keys.append(.quit(.controlC))
            case 0x1B:
                guard i < bytes.count, bytes[i] == UInt8(ascii: "[") || bytes[i] == UInt8(ascii: "O") else {
                    keys.append(.quit(.escapeKey))
                    continue
                }
                // CSI/SS3: parameters, then one final byte in 0x40…0x7E.
                var end = i + 1
                while end < bytes.count, !(0x40...0x7E).contains(bytes[end]) { end += 1 }
                if end < bytes.count {
                    switch bytes[end] {
                    case UInt8(ascii: "A"): keys.append(.capUp)
                    case UInt8(ascii: "B"): keys.append(.capDown)
                    default: break
                    }
                }
                i = end + 1
            default:
                break
            }
        }
        return keys
    }
}
