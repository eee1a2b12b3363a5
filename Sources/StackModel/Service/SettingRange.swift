/// The numbers a numeric setting accepts: a closed range of whole numbers or of decimals.
///
/// The one home of each setting's bounds: `Setting.apply` parses with it and the Terraform module's
/// variable validation is written from it, so the two cannot disagree.
public struct SettingRange: Hashable, Sendable {
    /// The smallest value accepted.
    public var lowerBound: Double
    /// The largest value accepted.
    public var upperBound: Double
    /// Whether only whole numbers are accepted.
    public var whole: Bool

    /// Whole numbers from `range.lowerBound` to `range.upperBound`.
    public init(_ range: ClosedRange<Int>) {
        lowerBound = Double(range.lowerBound)
        upperBound = Double(range.upperBound)
        whole = true
    }

    /// Decimal numbers from `range.lowerBound` to `range.upperBound`.
    public init(_ range: ClosedRange<Double>) {
        lowerBound = range.lowerBound
        upperBound = range.upperBound
        whole = false
    }

    /// Whether `value` is accepted.
    public func contains(_ value: Double) -> Bool {
        value.isFinite && (lowerBound...upperBound).contains(value) && (!whole || value == value.rounded())
    }

    /// `text` as a whole number in the range.
    ///
    /// - Throws: `SettingError` for `key`: `expected a whole number from 1 to 100, got 'x'`.
    public func int(_ key: String, _ text: String) throws(SettingError) -> Int {
        guard let value = Int(text), contains(Double(value)) else {
            throw SettingError(key: key, message: "expected a whole number from \(Int(lowerBound)) to \(Int(upperBound)), got '\(text)'")
        }
        return value
    }

    /// `text` as a number in the range.
    ///
    /// - Throws: `SettingError` for `key`: `expected a number from 0.5 to 0.98, got 'x'`.
    public func double(_ key: String, _ text: String) throws(SettingError) -> Double {
        guard let value = Double(text), contains(value) else {
            throw SettingError(key: key, message: "expected a number from \(lowerBound) to \(upperBound), got '\(text)'")
        }
        return value
    }
}

extension Setting {
    /// A whole-number setting (Terraform type `number`) parsed with `range`, which it carries.
    static func whole(_ key: String, placeholder: String = "N", help: String, range: ClosedRange<Int>,
                      read: @escaping @Sendable (ServiceConfig) -> String,
                      set: @escaping @Sendable (inout ServiceConfig, Int) -> Void) -> Setting {
        let bounds = SettingRange(range)
        return Setting(key: key, placeholder: placeholder, help: help, terraformType: "number", range: bounds, read: read) { config, text throws(SettingError) in
            set(&config, try bounds.int(key, text))
        }
    }

    /// A decimal setting (Terraform type `number`) parsed with `range`, which it carries.
    static func decimal(_ key: String, placeholder: String, help: String, range: ClosedRange<Double>,
                        read: @escaping @Sendable (ServiceConfig) -> String,
                        set: @escaping @Sendable (inout ServiceConfig, Double) -> Void) -> Setting {
        let bounds = SettingRange(range)
        return Setting(key: key, placeholder: placeholder, help: help, terraformType: "number", range: bounds, read: read) { config, text throws(SettingError) in
            set(&config, try bounds.double(key, text))
        }
    }
}
