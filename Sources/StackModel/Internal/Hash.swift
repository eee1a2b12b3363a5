/// FNV-1a, 64 bit: a stable, dependency-free hash for logical-ID suffixes.
///
/// Swift's `Hasher` is seeded per process, so it cannot be used for anything that must repeat.
public enum StableHash {
    /// The hash of `text` as 8 upper-case hex digits (the low 32 bits folded with the high 32).
    public static func hex8(_ text: String) -> String { hex8(bytes: text.utf8) }

    /// The hash of `bytes` as 8 upper-case hex digits.
    public static func hex8<Bytes: Sequence<UInt8>>(bytes: Bytes) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        let folded = UInt32(truncatingIfNeeded: hash ^ (hash >> 32))
        let digits = String(folded, radix: 16, uppercase: true)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }
}
