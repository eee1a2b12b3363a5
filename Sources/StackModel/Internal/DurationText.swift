/// Durations as people write them on the command line: `90m`, `4h`, `2d`, `1h30m`.
public enum DurationText {
    /// Minutes in `text`, or nil when it is not a duration of whole minutes, hours and days
    /// (`d`, `h`, `m`, largest first, each at most once).
    public static func minutes(_ text: String) -> Int? {
        var total = 0
        var number = ""
        var lastUnit = Int.max
        var sawUnit = false
        for character in text.lowercased() {
            if character.isASCII, character.isNumber {
                number.append(character)
                guard number.count <= 6 else { return nil }
                continue
            }
            let unit: Int
            switch character {
            case "d": unit = 1440
            case "h": unit = 60
            case "m": unit = 1
            default: return nil
            }
            guard let value = Int(number), unit < lastUnit else { return nil }
            total += value * unit
            lastUnit = unit
            number = ""
            sawUnit = true
        }
        return sawUnit && number.isEmpty ? total : nil
    }

    /// `minutes` written back the short way: `4h`, `1h30m`, `2d`, `0m`.
    public static func format(minutes: Int) -> String {
        guard minutes > 0 else { return "0m" }
        var parts: [String] = []
        let days = minutes / 1440, hours = minutes % 1440 / 60, rest = minutes % 60
        if days > 0 { parts.append("\(days)d") }
        if hours > 0 { parts.append("\(hours)h") }
        if rest > 0 { parts.append("\(rest)m") }
        return parts.joined()
    }
}
