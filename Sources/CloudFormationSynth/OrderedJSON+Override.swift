import StackModel

extension OrderedJSON {
    /// The document with the value at `keys` replaced (or added, creating objects on the way), or
    /// removed when `value` is nil. A key that replaces an existing one keeps its place; a new key
    /// is inserted in sorted order, as the renderer writes properties. A numeric key indexes an array.
    ///
    /// - Throws: what `failure` makes of the problem when the path crosses a scalar or indexes past
    ///   an array's end.
    func setting(_ keys: ArraySlice<String>, to value: OrderedJSON?, failure: (String) -> any Error) throws -> OrderedJSON {
        guard let key = keys.first else { return value ?? .null }
        let rest = keys.dropFirst()
        switch self {
        case .object(var fields):
            if let index = fields.firstIndex(where: { $0.0 == key }) {
                if rest.isEmpty && value == nil {
                    fields.remove(at: index)
                } else {
                    fields[index].1 = try fields[index].1.setting(rest, to: value, failure: failure)
                }
            } else if rest.isEmpty && value == nil {
                return self
            } else {
                let child = try OrderedJSON.object([]).setting(rest, to: value, failure: failure)
                let at = fields.firstIndex { $0.0 > key } ?? fields.endIndex
                fields.insert((key, child), at: at)
            }
            return .object(fields)
        case .array(var items):
            guard let index = Int(key), index >= 0, index < items.count else {
                throw failure("'\(key)' is not an index of the \(items.count)-item list there: use 0 to \(max(0, items.count - 1))")
            }
            if rest.isEmpty && value == nil {
                items.remove(at: index)
            } else {
                items[index] = try items[index].setting(rest, to: value, failure: failure)
            }
            return .array(items)
        default:
            throw failure("'\(key)' is under a value that is not an object: override the whole property instead")
        }
    }
}
