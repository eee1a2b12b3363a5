// swift-tools-version:6.0
import PackageDescription

// slmstack: a small language model behind a private, key-protected HTTPS API on AWS.
// No outside packages: the toolchain and the system's libcrypto only.
let package = Package(
    name: "slmstack",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "slmstack", targets: ["slmstack"]),
        // The library: build your own stacks in Swift (examples/custom-stack) with the model, its
        // renderers and the cost estimate, and deploy them from Swift.
        .library(name: "StackModel", targets: ["StackModel"]),
        .library(name: "CloudFormationSynth", targets: ["CloudFormationSynth"]),
        .library(name: "TerraformSynth", targets: ["TerraformSynth"]),
        .library(name: "Cost", targets: ["Cost"]),
        .library(name: "Deploy", targets: ["Deploy"]),
    ],
    targets: [
        // C boundary: OpenSSL's libcrypto for SHA-256 and HMAC. Only SigV4 imports it.
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]
        ),
        .target(name: "SigV4", dependencies: ["COpenSSL"]),
        .target(name: "AWSClient", dependencies: ["SigV4"]),
        .target(
            name: "StackModel",
            resources: [.embedInCode("Resources/handler.py"), .embedInCode("Resources/idle_pause.py"), .embedInCode("Resources/serve.py")]
        ),
        .target(name: "CloudFormationSynth", dependencies: ["StackModel"]),
        .target(name: "TerraformSynth", dependencies: ["StackModel"]),
        // Architecture diagrams drawn from the model (Mermaid, Graphviz DOT).
        .target(name: "Graph", dependencies: ["StackModel"]),
        .target(name: "Cost", dependencies: ["StackModel", "CloudFormationSynth", "AWSClient"]),
        .target(name: "Deploy", dependencies: ["AWSClient", "SigV4", "StackModel", "Cost"]),
        .target(
            name: "SLMStackCLI",
            dependencies: ["StackModel", "CloudFormationSynth", "TerraformSynth", "Graph", "Cost", "Deploy", "SigV4", "AWSClient"]
        ),
        .executableTarget(name: "slmstack", dependencies: ["SLMStackCLI"]),

        .testTarget(name: "SigV4Tests", dependencies: ["SigV4"]),
        .testTarget(name: "AWSClientTests", dependencies: ["AWSClient", "SigV4", "SLMStackCLI"]),
        .testTarget(name: "StackModelTests", dependencies: ["StackModel"]),
        // Test support: golden files with a record switch, shared by the renderers' tests.
        .target(name: "GoldenFiles", dependencies: ["SLMStackCLI"], path: "Tests/GoldenFiles"),
        .testTarget(name: "CloudFormationSynthTests", dependencies: ["CloudFormationSynth", "StackModel", "GoldenFiles"]),
        .testTarget(name: "TerraformSynthTests", dependencies: ["TerraformSynth", "CloudFormationSynth", "StackModel", "GoldenFiles"]),
        .testTarget(name: "GraphTests", dependencies: ["Graph", "StackModel", "GoldenFiles"]),
        .testTarget(name: "CostTests", dependencies: ["Cost", "StackModel"]),
        .testTarget(name: "DeployTests", dependencies: ["Deploy", "AWSClient", "SigV4", "Cost"]),
        .testTarget(name: "SLMStackCLITests", dependencies: ["SLMStackCLI", "StackModel", "GoldenFiles"], exclude: ["help"]),
    ]
)
