/// CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320) as ZIP uses it, table-driven.
public enum CRC32 {
    /// The 256-entry table for one byte at a time.
    static let table: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 {
            value = value & 1 == 1 ? (value >> 1) ^ 0xEDB8_8320 : value >> 1
        }
        return value
    }

    /// The checksum of `bytes`; `CRC32.checksum(Array("123456789".utf8)) == 0xCBF43926`.
    public static func checksum(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8)
        }
        return crc ^ 0xFFFF_FFFF
    }
}

/// A ZIP archive written byte for byte the same every time: entries stored (no compression), in the
/// given order, every timestamp 1980-01-01 00:00, no extra fields, Unix mode 0644 (0755 for an
/// executable entry, such as a Lambda Web Adapter start script).
///
/// Layout (PKWARE APPNOTE 6.3.10, §4.3): per entry a local file header and the data, then a central
/// directory entry per file, then the end-of-central-directory record.
public struct ZipArchive: Hashable, Sendable {
    /// One file in the archive.
    public struct Entry: Hashable, Sendable {
        public var path: String
        public var bytes: [UInt8]
        /// Whether the entry is extracted with the execute bits (mode 0755).
        public var executable: Bool

        public init(path: String, bytes: [UInt8], executable: Bool = false) {
            self.path = path
            self.bytes = bytes
            self.executable = executable
        }
    }

    public var entries: [Entry]

    public init(_ entries: [Entry]) { self.entries = entries }

    /// DOS date of 1980-01-01 ((1980 - 1980) << 9 | 1 << 5 | 1) and time 00:00:00.
    static let dosDate: UInt16 = 0x0021
    static let dosTime: UInt16 = 0

    /// The archive's bytes.
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        var central: [UInt8] = []
        for entry in entries {
            let name = Array(entry.path.utf8)
            let crc = CRC32.checksum(entry.bytes)
            let size = UInt32(entry.bytes.count)
            let offset = UInt32(out.count)
            // Local file header.
            out.append(le32: 0x0403_4B50)
            out.append(le16: 20)                // version needed: 2.0
            out.append(le16: 0)                 // flags
            out.append(le16: 0)                 // method: stored
            out.append(le16: Self.dosTime)
            out.append(le16: Self.dosDate)
            out.append(le32: crc)
            out.append(le32: size)              // compressed size
            out.append(le32: size)              // uncompressed size
            out.append(le16: UInt16(name.count))
            out.append(le16: 0)                 // extra field length
            out += name
            out += entry.bytes
            // Central directory header.
            central.append(le32: 0x0201_4B50)
            central.append(le16: 0x0314)        // made by: Unix (3), spec 2.0
            central.append(le16: 20)
            central.append(le16: 0)
            central.append(le16: 0)
            central.append(le16: Self.dosTime)
            central.append(le16: Self.dosDate)
            central.append(le32: crc)
            central.append(le32: size)
            central.append(le32: size)
            central.append(le16: UInt16(name.count))
            central.append(le16: 0)             // extra
            central.append(le16: 0)             // comment
            central.append(le16: 0)             // disk number
            central.append(le16: 0)             // internal attributes
            // external attributes: regular file, rw-r--r-- (rwxr-xr-x when executable)
            central.append(le32: (entry.executable ? 0o100755 : 0o100644) << 16)
            central.append(le32: offset)
            central += name
        }
        let centralOffset = UInt32(out.count)
        out += central
        // End of central directory.
        out.append(le32: 0x0605_4B50)
        out.append(le16: 0)
        out.append(le16: 0)
        out.append(le16: UInt16(entries.count))
        out.append(le16: UInt16(entries.count))
        out.append(le32: UInt32(central.count))
        out.append(le32: centralOffset)
        out.append(le16: 0)                     // comment length
        return out
    }
}

extension Array where Element == UInt8 {
    mutating func append(le16 value: UInt16) {
        append(UInt8(value & 0xFF))
        append(UInt8(value >> 8))
    }

    mutating func append(le32 value: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { append(UInt8((value >> UInt32(shift)) & 0xFF)) }
    }
}
