/// An IPv4 CIDR block such as `10.20.0.0/16`.
public struct CIDRBlock: Hashable, Sendable, CustomStringConvertible {
    /// The network address as a 32-bit number.
    public let address: UInt32
    /// The prefix length, 0–32.
    public let prefix: Int

    /// Parses `a.b.c.d/n`; the address must be the network address of the block.
    ///
    /// - Throws: `CIDRError` saying what is wrong and what is expected.
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let prefix = Int(parts[1]), (0...32).contains(prefix), parts[1].allSatisfy(\.isNumber) else {
            throw CIDRError(text: text, problem: "is not a CIDR block: expected a.b.c.d/n with n from 0 to 32")
        }
        let octets = parts[0].split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4 else {
            throw CIDRError(text: text, problem: "is not a CIDR block: expected four dot-separated numbers before the /")
        }
        var address: UInt32 = 0
        for octet in octets {
            guard !octet.isEmpty, octet.count <= 3, octet.allSatisfy(\.isNumber), let number = UInt32(octet), number <= 255 else {
                throw CIDRError(text: text, problem: "is not a CIDR block: '\(octet)' is not a number from 0 to 255")
            }
            address = address << 8 | number
        }
        let mask: UInt32 = prefix == 0 ? 0 : ~UInt32(0) << UInt32(32 - prefix)
        guard address & mask == address else {
            let network = CIDRBlock(address: address & mask, prefix: prefix)
            throw CIDRError(text: text, problem: "has host bits set: the block's network address is \(network)")
        }
        self.address = address
        self.prefix = prefix
    }

    /// A block from its parts; `address` must already be the network address.
    public init(address: UInt32, prefix: Int) {
        self.address = address
        self.prefix = prefix
    }

    var mask: UInt32 { prefix == 0 ? 0 : ~UInt32(0) << UInt32(32 - prefix) }
    var last: UInt32 { address | ~mask }

    /// Whether `other` lies wholly inside this block.
    public func contains(_ other: CIDRBlock) -> Bool {
        other.prefix >= prefix && other.address & mask == address
    }

    /// Whether the two blocks share any address.
    public func overlaps(_ other: CIDRBlock) -> Bool {
        address <= other.last && other.address <= last
    }

    /// The `index`-th sub-block of length `newPrefix`, or nil when it does not fit.
    public func subnet(prefix newPrefix: Int, index: Int) -> CIDRBlock? {
        guard newPrefix >= prefix, newPrefix <= 32, index >= 0, index < 1 << (newPrefix - prefix) else { return nil }
        let size = newPrefix == 32 ? 1 : UInt32(1) << UInt32(32 - newPrefix)
        return CIDRBlock(address: address + UInt32(index) * size, prefix: newPrefix)
    }

    public var description: String {
        "\(address >> 24).\(address >> 16 & 255).\(address >> 8 & 255).\(address & 255)/\(prefix)"
    }
}

/// A malformed CIDR block.
public struct CIDRError: Error, CustomStringConvertible {
    public var text: String
    public var problem: String
    public var description: String { "'\(text)' \(problem)" }
}
