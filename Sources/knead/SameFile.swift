import Glibc

/// Whether an output path names the input file itself (through a symlink, `./`, a
/// hard link): writing there would destroy the pattern being read.
enum SameFile {
    static func check(output: String, option: String, input: String) -> String? {
        var a = stat(), b = stat()
        guard stat(output, &a) == 0, stat(input, &b) == 0, a.st_dev == b.st_dev, a.st_ino == b.st_ino else {
            return nil
        }
        return "\(option) \(output) is the pattern file itself; writing there would overwrite it — give another file"
    }
}
