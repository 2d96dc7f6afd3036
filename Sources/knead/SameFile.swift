import KneadSystem

/// Whether an output path names the input file itself (through a symlink, `./`, a
/// hard link): writing there would destroy the pattern being read.
enum SameFile {
    static func check(output: String, option: String, input: String) -> String? {
        guard FileStatus.sameFile(output, input) else { return nil }
        return "\(option) \(output) is the pattern file itself; writing there would overwrite it — give another file"
    }
}
