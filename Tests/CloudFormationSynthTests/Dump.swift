import Foundation
import Testing
@testable import CloudFormationSynth
@testable import StackModel

@Test func dumpForDevelopment() throws {
    guard ProcessInfo.processInfo.environment["SLMSTACK_DUMP"] != nil else { return }
    var stack = Stack.slmService(ServiceConfig())
    stack.resources = stack.resources.map { resource in
        guard var function = resource as? LambdaFunction else { return resource }
        function.code = "import json\ndef handler(event, context):\n    return {'statusCode': 200, 'body': '{}'}\n"
        return function
    }
    let template = try CloudFormationSynth.synthesize(stack)
    try template.text.write(toFile: "/tmp/dev.template.json", atomically: true, encoding: .utf8)
}
