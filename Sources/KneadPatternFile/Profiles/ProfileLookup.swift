import Foundation

/// Where named profiles that are not built in are looked for, and how a name or a path
/// given on the command line becomes a file.
enum ProfileLookup {
    /// `$KNEAD_PROFILE_PATH` (folders separated by ':'), then `Profiles/` in the current
    /// directory, then the `Profiles/` folder of the source tree the running program was
    /// built in (found by walking up from the executable).
    static func defaultSearchDirectories() -> [String] {
        var directories: [String] = []
        if let path = ProcessInfo.processInfo.environment["KNEAD_PROFILE_PATH"] {
            directories += path.split(separator: ":").map(String.init)
        }
        directories.append("Profiles")
        var folder = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath()
            .deletingLastPathComponent()
        for _ in 0..<5 {
            let candidate = folder.appendingPathComponent("Profiles")
            if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("chair.yaml").path) {
                directories.append(candidate.path)
                break
            }
            folder.deleteLastPathComponent()
        }
        return directories
    }

    /// A name with a '/' or a file extension is a path; anything else is a name.
    static func isPath(_ text: String) -> Bool {
        text.contains("/") || [".yaml", ".yml", ".json"].contains { text.hasSuffix($0) }
    }

    /// The file `<name>.yaml` in the first folder that has it.
    static func find(_ name: String, in directories: [String]) -> String? {
        for directory in directories {
            let path = (directory as NSString).appendingPathComponent(name + ".yaml")
            if FileManager.default.fileExists(atPath: path) { return path }
        }
        return nil
    }

    /// Every profile name the folders offer, for suggestions.
    static func names(in directories: [String]) -> [String] {
        directories.flatMap { directory -> [String] in
            let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            return files.filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }
        }
    }
}
