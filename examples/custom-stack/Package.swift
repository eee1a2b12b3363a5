// swift-tools-version:6.0
import PackageDescription

// A stack the slmstack CLI cannot build: the service's VPC construct reused, a resource type of its
// own (a DynamoDB table, declared through the library), one raw resource (an S3 bucket) and a
// property override. It depends on slmstack by path, as any package can.
let package = Package(
    name: "custom-stack",
    platforms: [.macOS(.v13)],
    dependencies: [.package(name: "slmstack", path: "../..")],
    targets: [
        .executableTarget(name: "CustomStack", dependencies: [
            .product(name: "StackModel", package: "slmstack"),
            .product(name: "CloudFormationSynth", package: "slmstack"),
            .product(name: "TerraformSynth", package: "slmstack"),
        ]),
    ]
)
