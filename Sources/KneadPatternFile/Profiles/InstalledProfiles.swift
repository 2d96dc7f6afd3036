import KneadCore

extension DeviceProfileFile {
    /// Every device profile knead can find by name: the built-ins, then each
    /// `NAME.yaml` in the profile folders (`$KNEAD_PROFILE_PATH`, `Profiles/`, the source
    /// tree's `Profiles/`), the first folder winning for a name. Files with errors are
    /// left out. `knead devices` matches ports against these.
    public static func installedProfiles(searchDirectories: [String]? = nil) -> [DeviceProfile] {
        let directories = searchDirectories ?? ProfileLookup.defaultSearchDirectories()
        var profiles = DeviceProfile.builtIn
        var seen = Set(profiles.map(\.name))
        for name in ProfileLookup.names(in: directories).sorted() where !seen.contains(name) {
            seen.insert(name)
            guard let path = ProfileLookup.find(name, in: directories) else { continue }
            let result = load(path: path)
            if let profile = result.profile, !result.hasErrors { profiles.append(profile) }
        }
        return profiles
    }
}
