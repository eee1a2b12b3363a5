import Foundation

// The scratch buffer `signCore` writes every stage into, the slots that index it, and a digest on the stack.

/// A header or query parameter in the scratch buffer: name at `nameStart..<nameEnd`, value up to `valueEnd`.
struct Slot {
    var nameStart: Int
    var nameEnd: Int
    var valueEnd: Int
    var order: Int
}

@inline(__always)
func compareBytes(_ a: UnsafeMutablePointer<UInt8>, _ aCount: Int, _ b: UnsafeMutablePointer<UInt8>, _ bCount: Int) -> Int {
    let common = min(aCount, bCount)
    if common > 0 {
        let result = memcmp(a, b, common)
        if result != 0 { return Int(result) }
    }
    return aCount - bCount
}

@inline(__always)
func sameName(_ base: UnsafeMutablePointer<UInt8>, _ a: Slot, _ b: Slot) -> Bool {
    compareBytes(base + a.nameStart, a.nameEnd - a.nameStart, base + b.nameStart, b.nameEnd - b.nameStart) == 0
}

/// A stable insertion sort: the lists are a handful of headers or parameters.
func insertionSort(_ items: UnsafeMutableBufferPointer<Slot>, count: Int, by precedes: (Slot, Slot) -> Bool) {
    guard count > 1 else { return }
    for index in 1..<count {
        let item = items[index]
        var position = index
        while position > 0, precedes(item, items[position - 1]) {
            items[position] = items[position - 1]
            position -= 1
        }
        items[position] = item
    }
}

/// 32 bytes on the stack for a digest.
struct Digest32 {
    var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    mutating func withPointer<T>(_ body: (UnsafeMutablePointer<UInt8>) throws -> T) rethrows -> T {
        try withUnsafeMutableBytes(of: &words) { try body($0.baseAddress!.assumingMemoryBound(to: UInt8.self)) }
    }

    mutating func withBuffer<T>(_ body: (UnsafeBufferPointer<UInt8>) throws -> T) rethrows -> T {
        try withUnsafeBytes(of: &words) { try body($0.bindMemory(to: UInt8.self)) }
    }
}

/// Appends bytes to a preallocated buffer (sized from the input by `sign`; overflow traps).
struct Writer {
    let base: UnsafeMutablePointer<UInt8>
    let capacity: Int
    var count = 0

    init(_ buffer: UnsafeMutableBufferPointer<UInt8>) {
        base = buffer.baseAddress!
        capacity = buffer.count
    }

    @inline(__always)
    mutating func append(_ byte: UInt8) {
        precondition(count < capacity, "SigV4 scratch buffer overflow")
        base[count] = byte
        count += 1
    }

    @inline(__always)
    mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress, bytes.count > 0 else { return }
        precondition(count + bytes.count <= capacity, "SigV4 scratch buffer overflow")
        (base + count).update(from: source, count: bytes.count)
        count += bytes.count
    }

    mutating func append(_ text: String) {
        if text.utf8.withContiguousStorageIfAvailable({ append($0) }) == nil {
            for byte in text.utf8 { append(byte) }
        }
    }

    mutating func append(_ text: StaticString) {
        append(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    func slice(_ range: Range<Int>) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: base + range.lowerBound, count: range.count)
    }

    mutating func copyWithin(_ range: Range<Int>) {
        precondition(count + range.count <= capacity, "SigV4 scratch buffer overflow")
        (base + count).update(from: base + range.lowerBound, count: range.count)
        count += range.count
    }

    mutating func appendLowercased(_ text: String) {
        let handled = text.utf8.withContiguousStorageIfAvailable { bytes -> Bool in
            precondition(count + bytes.count <= capacity, "SigV4 scratch buffer overflow")
            for byte in bytes {
                base[count] = byte >= 0x41 && byte <= 0x5a ? byte | 0x20 : byte
                count += 1
            }
            return true
        } ?? false
        if !handled {
            for byte in text.utf8 { append(byte >= 0x41 && byte <= 0x5a ? byte | 0x20 : byte) }
        }
    }

    /// Trim-all: leading and trailing whitespace dropped, inner runs squeezed to one space.
    mutating func appendTrimmed(_ text: String) {
        let handled = text.utf8.withContiguousStorageIfAvailable { bytes -> Bool in
            appendTrimmed(bytes)
            return true
        } ?? false
        if !handled {
            let copy = Array(text.utf8)
            copy.withUnsafeBufferPointer { appendTrimmed($0) }
        }
    }

    mutating func appendTrimmed(_ bytes: UnsafeBufferPointer<UInt8>) {
        precondition(count + bytes.count <= capacity, "SigV4 scratch buffer overflow")
        let start = count
        var pendingSpace = false
        for byte in bytes {
            if byte == 0x20 || (byte >= 0x09 && byte <= 0x0d) {
                pendingSpace = count > start
            } else {
                if pendingSpace { base[count] = 0x20; count += 1; pendingSpace = false }
                base[count] = byte
                count += 1
            }
        }
    }

    @inline(__always)
    mutating func appendHex(_ bytes: UnsafeBufferPointer<UInt8>) {
        precondition(count + bytes.count * 2 <= capacity, "SigV4 scratch buffer overflow")
        for byte in bytes {
            let high = byte >> 4, low = byte & 0x0f
            base[count] = high < 10 ? 0x30 + high : 0x57 + high
            base[count + 1] = low < 10 ? 0x30 + low : 0x57 + low
            count += 2
        }
    }

    @inline(__always)
    mutating func appendEncodedByte(_ byte: UInt8, keepSlash: Bool = false) {
        if URIEncoding.isUnreserved(byte) || (keepSlash && byte == 0x2f) {
            append(byte)
        } else {
            let high = byte >> 4, low = byte & 0x0f
            append(0x25)
            append(high < 10 ? 0x30 + high : 0x37 + high)
            append(low < 10 ? 0x30 + low : 0x37 + low)
        }
    }

    mutating func appendEncoded(_ text: String) {
        let handled = text.utf8.withContiguousStorageIfAvailable { bytes -> Bool in
            for byte in bytes { appendEncodedByte(byte) }
            return true
        } ?? false
        if !handled {
            for byte in text.utf8 { appendEncodedByte(byte) }
        }
    }

    mutating func appendEncodedWithin(_ range: Range<Int>) {
        for index in range { appendEncodedByte(base[index]) }
    }

    /// Decodes `%XX` escapes (malformed ones and `+` stay as they are) and encodes the result.
    mutating func appendDecodedEncoded(_ bytes: UnsafeBufferPointer<UInt8>) {
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0x25, index + 2 < bytes.count,
               let high = URIEncoding.hexValue(bytes[index + 1]), let low = URIEncoding.hexValue(bytes[index + 2]) {
                appendEncodedByte(high << 4 | low)
                index += 3
            } else {
                appendEncodedByte(byte)
                index += 1
            }
        }
    }

    mutating func appendDecimal(_ value: Int) {
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var rest = value.magnitude
        var length = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[19 - length] = UInt8(0x30 + rest % 10)
                rest /= 10
                length += 1
            } while rest > 0
            if value < 0 { append(0x2d) }
            for index in (20 - length)..<20 { append(buffer[index]) }
        }
    }

    /// S3: the wire path as it is. Others: dot segments removed and `//` collapsed (botocore's
    /// remove_dot_segments), then every byte but `/` encoded once more.
    mutating func appendCanonicalURI(_ path: UnsafeBufferPointer<UInt8>, s3: Bool, normalize: Bool) {
        if path.isEmpty {
            append(0x2f)
            return
        }
        if s3 {
            append(path)
            return
        }
        guard normalize else {
            for byte in path { appendEncodedByte(byte, keepSlash: true) }
            return
        }
        withUnsafeTemporaryAllocation(of: Int.self, capacity: path.count / 2 + 2) { starts in
            var segments = 0
            if path[0] == 0x2f { append(0x2f) }
            var index = 0
            while index < path.count {
                var end = index
                while end < path.count, path[end] != 0x2f { end += 1 }
                let length = end - index
                if length == 0 || (length == 1 && path[index] == 0x2e) {
                    // empty or "."
                } else if length == 2 && path[index] == 0x2e && path[index + 1] == 0x2e {
                    if segments > 0 {
                        segments -= 1
                        count = starts[segments]
                    }
                } else {
                    starts[segments] = count
                    segments += 1
                    if segments > 1 { append(0x2f) }
                    for position in index..<end { appendEncodedByte(path[position]) }
                }
                index = end + 1
            }
            if path[path.count - 1] == 0x2f && segments > 0 { append(0x2f) }
        }
    }
}
