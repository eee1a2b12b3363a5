import Foundation
import StackModel

/// How one command-line option is spelled and what it takes.
public struct OptionSpec: Sendable {
    /// Whether the option takes a value, is a switch, or may repeat.
    public enum Kind: Sendable {
        /// `--name VALUE` or `--name=VALUE`.
        case value(placeholder: String)
        /// `--name`, no value.
        case flag
    }

    /// The long name without dashes, for example `stack-name`.
    public var name: String
    /// What the option takes.
    public var kind: Kind
    /// One line for `--help`.
    public var help: String
    /// Whether a config file may set it too (the same key as the flag).
    public var configurable: Bool

    /// Creates an option that takes a value.
    public static func value(_ name: String, _ placeholder: String, _ help: String, configurable: Bool = false) -> OptionSpec {
        OptionSpec(name: name, kind: .value(placeholder: placeholder), help: help, configurable: configurable)
    }

    /// Creates an on/off switch.
    public static func flag(_ name: String, _ help: String, configurable: Bool = false) -> OptionSpec {
        OptionSpec(name: name, kind: .flag, help: help, configurable: configurable)
    }
}

/// The options and positional words of one invocation, after parsing.
public struct ParsedArguments: Sendable {
    /// Option values by long name; a flag that is present has the value "true".
    public var values: [String: String] = [:]
    /// Words that are not options, in order.
    public var positionals: [String] = []

    public init(values: [String: String] = [:], positionals: [String] = []) {
        self.values = values
        self.positionals = positionals
    }

    /// The value of an option, if given.
    public subscript(_ name: String) -> String? { values[name] }

    /// Whether a flag was given.
    public func flag(_ name: String) -> Bool { values[name] == "true" }

    /// An option parsed as a whole number within a range.
    ///
    /// - Throws: `CLIError.usage` naming the option when the value is not a number in range.
    public func int(_ name: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let text = values[name] else { return nil }
        guard let number = Int(text), range.contains(number) else {
            throw CLIError.usage("--\(name): expected a whole number from \(range.lowerBound) to \(range.upperBound), got '\(text)'")
        }
        return number
    }

    /// An option parsed as a decimal number within a range.
    ///
    /// - Throws: `CLIError.usage` naming the option when the value is not a number in range.
    public func double(_ name: String, in range: ClosedRange<Double>) throws -> Double? {
        guard let text = values[name] else { return nil }
        guard let number = Double(text), number.isFinite, range.contains(number) else {
            throw CLIError.usage("--\(name): expected a number from \(range.lowerBound) to \(range.upperBound), got '\(text)'")
        }
        return number
    }
}

/// Turns argv words into `ParsedArguments` for a set of options.
public enum ArgumentParser {
    /// Parses `words` (argv without the program and subcommand names).
    ///
    /// - Parameters:
    ///   - words: the remaining command-line words.
    ///   - options: the options the subcommand accepts; `--help` is always accepted.
    ///   - maxPositionals: how many positional words are allowed.
    /// - Returns: the parsed values.
    /// - Throws: `CLIError.usage` for an unknown option (with a did-you-mean), a missing value,
    ///   or too many positional words.
    public static func parse(_ words: [String], options: [OptionSpec], maxPositionals: Int = 0) throws -> ParsedArguments {
        var parsed = ParsedArguments()
        var index = 0
        let byName = Dictionary(options.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        while index < words.count {
            let word = words[index]
            index += 1
            if word == "--" {
                parsed.positionals.append(contentsOf: words[index...])
                break
            }
            guard word.hasPrefix("--"), word.count > 2 else {
                if word.hasPrefix("-"), word.count > 1, Double(word) == nil {
                    throw CLIError.usage("unknown option '\(word)': options are spelled with two dashes, for example --help")
                }
                parsed.positionals.append(word)
                continue
            }
            var name = String(word.dropFirst(2))
            var inlineValue: String?
            if let equals = name.firstIndex(of: "=") {
                inlineValue = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            }
            if name == "help" {
                parsed.values["help"] = "true"
                continue
            }
            guard let spec = byName[name] else {
                let hint = Suggest.closest(to: name, in: options.map(\.name)).map { ": did you mean --\($0)?" } ?? ": see --help"
                throw CLIError.usage("unknown option '--\(name)'\(hint)")
            }
            switch spec.kind {
            case .flag:
                if let inlineValue {
                    guard ["true", "false"].contains(inlineValue) else {
                        throw CLIError.usage("--\(name) is a switch: give it alone, or as --\(name)=true|false")
                    }
                    parsed.values[name] = inlineValue
                } else {
                    parsed.values[name] = "true"
                }
            case .value(let placeholder):
                if let inlineValue {
                    parsed.values[name] = inlineValue
                } else {
                    guard index < words.count, !words[index].hasPrefix("--") else {
                        throw CLIError.usage("--\(name) needs a value: --\(name) \(placeholder)")
                    }
                    parsed.values[name] = words[index]
                    index += 1
                }
            }
        }
        if parsed.positionals.count > maxPositionals {
            let extra = parsed.positionals[maxPositionals]
            throw CLIError.usage("unexpected argument '\(extra)': see --help")
        }
        return parsed
    }
}
