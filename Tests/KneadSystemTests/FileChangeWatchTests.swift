import Glibc
import KneadSystem
import Testing

/// The waits behind `--watch`: each change is made before the wait, so every wait
/// returns on an event already queued (no timing to hope for).
@Suite("Watching files for saves")
struct FileChangeWatchTests {
    private func makeFolder() throws -> String {
        var template = Array("/tmp/knead-watch-XXXXXX".utf8CString)
        let made = try #require(mkdtemp(&template))
        return String(cString: made)
    }

    private func removeFolder(_ folder: String) {
        for name in FileSystem.names(in: folder) where name != "." && name != ".." {
            FileSystem.remove(folder + "/" + name)
        }
        rmdir(folder)
    }

    private func write(_ text: String, _ path: String) throws {
        let descriptor = try FileOutput.create(path)
        try FileOutput.writeAll(descriptor, text)
        try FileOutput.finish(descriptor)
    }

    @Test func savesInPlaceAndByRenameAreSeenEveryTime() throws {
        let folder = try makeFolder()
        defer { removeFolder(folder) }
        let path = folder + "/pattern.yaml"
        try write("one", path)
        let watch = try #require(FileChangeWatch(paths: [path]))
        let wake = try #require(WakePipe())

        try write("two", path)
        #expect(watch.waitForChange(wakeDescriptor: wake.readEnd, settleMilliseconds: 10) == .changed)

        // Twice by rename: after the first, the name is a new inode; the folder watch
        // does not care.
        for text in ["three", "four"] {
            try write(text, path + ".tmp")
            try FileSystem.rename(path + ".tmp", to: path)
            #expect(watch.waitForChange(wakeDescriptor: wake.readEnd, settleMilliseconds: 10) == .changed)
        }

        FileSystem.remove(path)
        #expect(watch.waitForChange(wakeDescriptor: wake.readEnd, settleMilliseconds: 10) == .changed)
    }

    @Test func otherFilesInTheFolderAreNotChanges() throws {
        let folder = try makeFolder()
        defer { removeFolder(folder) }
        let path = folder + "/pattern.yaml"
        try write("one", path)
        let watch = try #require(FileChangeWatch(paths: [path]))
        let wake = try #require(WakePipe())
        try write("x", folder + "/other.yaml")
        try write("y", folder + "/pattern.yaml.swp")
        wake.wake()
        #expect(watch.waitForChange(wakeDescriptor: wake.readEnd) == .woken)
    }

    @Test func aBurstIsOneChange() throws {
        let folder = try makeFolder()
        defer { removeFolder(folder) }
        let path = folder + "/pattern.yaml"
        try write("one", path)
        let watch = try #require(FileChangeWatch(paths: [path]))
        let wake = try #require(WakePipe())
        // An editor's save: a backup by rename, the new file, written twice.
        try FileSystem.rename(path, to: path + "~")
        try write("two", path)
        try write("three", path)
        #expect(watch.waitForChange(wakeDescriptor: wake.readEnd, settleMilliseconds: 50) == .changed)
        wake.wake()
        #expect(watch.waitForChange(wakeDescriptor: wake.readEnd) == .woken)  // nothing left over
    }

    @Test func addedFilesInOtherFoldersAreWatched() throws {
        let folder = try makeFolder(), other = try makeFolder()
        defer { removeFolder(folder); removeFolder(other) }
        let path = folder + "/pattern.yaml", script = other + "/buzz.ahap"
        try write("{}", script)
        let watch = try #require(FileChangeWatch(paths: [path]))
        #expect(watch.add(script))
        #expect(!watch.add("/nonexistent-knead-folder/x.ahap"))
        let wake = try #require(WakePipe())
        try write("{\"Pattern\": []}", script)
        #expect(watch.waitForChange(wakeDescriptor: wake.readEnd, settleMilliseconds: 10) == .changed)
    }

    @Test func splitsPaths() {
        #expect(FileChangeWatch.split("pattern.yaml") == (".", "pattern.yaml"))
        #expect(FileChangeWatch.split("a/b/pattern.yaml") == ("a/b", "pattern.yaml"))
        #expect(FileChangeWatch.split("/pattern.yaml") == ("/", "pattern.yaml"))
    }
}
