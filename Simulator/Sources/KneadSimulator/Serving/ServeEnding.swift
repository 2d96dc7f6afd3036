/// How serving a port ended. The raw values are the JSON summary's spelling.
public enum ServeEnding: String, Sendable, Equatable, Encodable {
    /// Ctrl-C, SIGTERM, `requestStop`.
    case stopped
    /// The hangup fault closed the device's end of the line.
    case hungUp = "hung-up"
}
