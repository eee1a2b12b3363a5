import StackModel

// Each resource's CloudFormation type, properties and tags come from the resource itself (its
// `Resource` conformance); the renderer only turns the values into JSON.
extension CloudFormationSynth {
    /// The CloudFormation type, properties, and whether the type takes `Tags`.
    ///
    /// - Throws: `CloudFormationSynthError.inlineCodeTooLong` when a Lambda function's
    ///   `Code.ZipFile` is over `LambdaSource.inlineLimit`.
    static func typeAndProperties(_ resource: any Resource) throws -> (String, [String: OrderedJSON], Bool) {
        let properties = resource.properties
        if resource.cloudFormationType == "AWS::Lambda::Function", case .object(let code)? = properties["Code"],
           case .string(let inline)? = code["ZipFile"], inline.count > LambdaSource.inlineLimit {
            throw CloudFormationSynthError.inlineCodeTooLong(function: resource.id.rawValue, characters: inline.count, limit: LambdaSource.inlineLimit)
        }
        return (resource.cloudFormationType, properties.mapValues(value), resource.takesTags)
    }
}
