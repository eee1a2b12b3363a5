import Foundation

/// The moment a request is signed, in SigV4's two forms: `20150830T123600Z` and `20150830`.
///
/// The signer never reads the clock; callers pass the time in (the client adds its clock-skew
/// correction first).
public struct SigningTime: Sendable, Equatable, CustomStringConvertible {
    /// `YYYYMMDDTHHMMSSZ`, the `X-Amz-Date` value.
    public let amzDate: String
    /// `YYYYMMDD`, the date in the credential scope.
    public var dateStamp: String { String(amzDate.prefix(8)) }
    /// Seconds since 1970-01-01T00:00:00Z.
    public let secondsSince1970: Int64

    /// The signing time for `date` (fractions of a second are dropped).
    public init(_ date: Date) {
        self.init(secondsSince1970: Int64(date.timeIntervalSince1970.rounded(.down)))
    }

    /// The signing time for a Unix time.
    public init(secondsSince1970 seconds: Int64) {
        secondsSince1970 = seconds
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = Int(seconds - days * 86_400)
        let (year, month, day) = Self.civil(fromDays: days)
        let fields = [(Int(year), 4), (month, 2), (day, 2), (secondOfDay / 3600, 2), (secondOfDay / 60 % 60, 2), (secondOfDay % 60, 2)]
        amzDate = String(unsafeUninitializedCapacity: 16) { buffer in
            var position = 0
            for (index, (value, width)) in fields.enumerated() {
                var rest = value
                for offset in stride(from: width - 1, through: 0, by: -1) {
                    buffer[position + offset] = UInt8(0x30 + rest % 10)
                    rest /= 10
                }
                position += width
                if index == 2 { buffer[position] = 0x54; position += 1 } // T
            }
            buffer[position] = 0x5a // Z
            return 16
        }
    }

    /// Parses `YYYYMMDDTHHMMSSZ` or an ISO-8601 UTC time `YYYY-MM-DDTHH:MM:SSZ`.
    ///
    /// - Throws: `SigV4Error.invalidTimestamp` for any other text or an impossible date.
    public init(parsing text: String) throws {
        let digits = text.utf8.filter { $0 != 0x2d && $0 != 0x3a }
        let compact = digits.count == 16 || (digits.count > 16 && digits.last == 0x5a && digits[15] == 0x2e)
        guard compact, digits[8] == 0x54, digits.last == 0x5a else { throw SigV4Error.invalidTimestamp(text) }
        func number(_ range: Range<Int>) throws -> Int {
            var value = 0
            for byte in digits[range] {
                guard (0x30...0x39).contains(byte) else { throw SigV4Error.invalidTimestamp(text) }
                value = value * 10 + Int(byte - 0x30)
            }
            return value
        }
        let year = try number(0..<4), month = try number(4..<6), day = try number(6..<8)
        let hour = try number(9..<11), minute = try number(11..<13), second = try number(13..<15)
        guard (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61 else {
            throw SigV4Error.invalidTimestamp(text)
        }
        let days = Self.days(fromCivil: Int64(year), month, day)
        self.init(secondsSince1970: days * 86_400 + Int64(hour * 3600 + minute * 60 + second))
        guard amzDate.hasPrefix(String(format: "%04d%02d%02d", year, month, day)) else {
            throw SigV4Error.invalidTimestamp(text) // e.g. February 30
        }
    }

    /// The same moment as a `Date`.
    public var date: Date { Date(timeIntervalSince1970: TimeInterval(secondsSince1970)) }

    public var description: String { amzDate }

    // Howard Hinnant's days_from_civil / civil_from_days (proleptic Gregorian, UTC).
    static func civil(fromDays z0: Int64) -> (Int64, Int, Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = Int(doy - (153 * mp + 2) / 5 + 1)
        let month = Int(mp < 10 ? mp + 3 : mp - 9)
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    static func days(fromCivil y0: Int64, _ month: Int, _ day: Int) -> Int64 {
        let y = month <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let m = Int64(month)
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
