/// The text of a NUL-terminated C buffer (a path, a line read with fgets): the bytes
/// before the first NUL, as UTF-8.
public func cString(_ buffer: some Collection<CChar>) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
