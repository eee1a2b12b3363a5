/// A property value that may come from one of the stack's settings: "this is `instance-type`,
/// and its value here is ml.g5.xlarge".
///
/// CloudFormation writes the value. Terraform writes the setting's variable (`var.instance_type`)
/// where the value is marked and the setting has a variable in that configuration, and the value
/// itself elsewhere. A value set by hand is its own: assigning the property clears the mark, so a
/// model changed after it was built keeps its literal and the output never claims a setting decides it.
///
/// Read the mark through the projection (`endpointConfig.$instanceType.setting`); mark a value with
/// `Resource.fromSetting(_:_:)` or by assigning the projection.
@propertyWrapper
public struct FromSetting<T: Hashable & Sendable>: Hashable, Sendable {
    /// The value, as CloudFormation writes it.
    public private(set) var value: T
    /// The key of the setting the value comes from (`instance-type`), or nil for a value of its own.
    public private(set) var setting: String?

    /// A value of its own, from no setting.
    public init(wrappedValue: T) {
        value = wrappedValue
        setting = nil
    }

    /// A value that comes from the setting `key` (nil: from none).
    public init(_ value: T, setting key: String?) {
        self.value = value
        setting = key
    }

    /// The value; assigning it clears the mark.
    public var wrappedValue: T {
        get { value }
        set {
            value = newValue
            setting = nil
        }
    }

    /// The value with its mark.
    public var projectedValue: FromSetting<T> {
        get { self }
        set { self = newValue }
    }
}

extension Resource {
    /// The resource with `field`'s current value marked as coming from the setting `key`:
    /// `config.fromSetting(\.$instanceType, "instance-type")`.
    public func fromSetting<T>(_ field: WritableKeyPath<Self, FromSetting<T>>, _ key: String) -> Self {
        var copy = self
        copy[keyPath: field] = FromSetting(copy[keyPath: field].value, setting: key)
        return copy
    }
}

extension SageMakerModel {
    /// The model with these environment entries (entry → setting key) marked as coming from settings;
    /// marks for entries it does not have are left out.
    public func markingEnvironment(_ marks: [String: String]) -> SageMakerModel {
        var copy = self
        copy.environmentSettings.merge(marks.filter { environment[$0.key] != nil }) { _, new in new }
        return copy
    }
}

extension LambdaFunction {
    /// The function with these environment entries (entry → setting key) marked as coming from
    /// settings; marks for entries it does not have are left out.
    public func markingEnvironment(_ marks: [String: String]) -> LambdaFunction {
        var copy = self
        copy.environmentSettings.merge(marks.filter { environment[$0.key] != nil }) { _, new in new }
        return copy
    }
}
