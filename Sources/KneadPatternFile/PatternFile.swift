import KneadCore
// OWNER: pattern-file.
