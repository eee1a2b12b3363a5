import AWSClient
import Foundation
import SigV4

/// `slmstack debug bench-sign`: times the signer in process (used by `make bench`).
struct DebugBenchSignCommand: SubCommand {
    static let name = "debug bench-sign"
    static let abstract = "Time SigV4 signing of a typical CloudFormation request in process (for make bench)."
    static let discussion = """
        Signs POST https://cloudformation.us-east-1.amazonaws.com/ (form body DescribeStacks) in a loop
        with a cached signing key and prints JSON: iterations, ns_per_op, signatures_per_second, and the
        signature at the fixed time 20260101T000000Z so a peer can check that it signed the same request.
        """
    static let options: [OptionSpec] = [
        .value("iterations", "N", "Signatures to time (default 200000)."),
    ]

    /// The request `bench/sigv4.py` also hands to botocore.
    static let request = SigV4Request(
        method: "POST", url: "https://cloudformation.us-east-1.amazonaws.com/",
        headers: [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")],
        body: Array("Action=DescribeStacks&StackName=slmstack-demo&Version=2010-05-15".utf8))
    static let credentials = SigV4Credentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")

    let iterations: Int

    init(arguments: ParsedArguments, io: CommandIO) throws {
        iterations = try arguments.int("iterations", in: 1...100_000_000) ?? 200_000
    }

    func run(io: CommandIO) throws -> ExitCode {
        let signer = SigV4Signer(credentials: Self.credentials)
        let check = try signer.sign(Self.request, region: "us-east-1", service: "cloudformation",
                                    time: try SigningTime(parsing: "20260101T000000Z"))
        var sink = 0
        for _ in 0..<min(iterations, 10_000) { // warm up: caches, allocator
            sink &+= try signer.sign(Self.request, region: "us-east-1", service: "cloudformation", time: SigningTime(Date())).signature.utf8.count
        }
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<iterations {
            // The clock is read per signature, as the client does.
            let result = try signer.sign(Self.request, region: "us-east-1", service: "cloudformation", time: SigningTime(Date()))
            sink &+= result.authorization?.utf8.count ?? 0
        }
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start)
        let perOp = elapsed / Double(iterations)
        let output: JSONValue = [
            "iterations": .number(Double(iterations)),
            "ns_per_op": .number((perOp * 10).rounded() / 10),
            "signatures_per_second": .number((1e9 / perOp).rounded()),
            "signature_at_20260101T000000Z": .string(check.signature),
            "checksum": .number(Double(sink % 1000)),
        ]
        io.write(output.pretty())
        return .success
    }
}
