import AWSClient
import Deploy
import Foundation
import StackModel

/// `slmstack preflight`: what the account would refuse, checked before anything is created or billed.
struct PreflightCommand: SubCommand {
    static let name = "preflight"
    static let abstract = "Check the account and region can take the stack (quotas, concurrency, roles, zones), read-only."
    static let discussion = """
        Read-only calls only. Checks: the identity (sts GetCallerIdentity); that the region offers every
        CloudFormation type the stack uses (the generated region catalog, from cfn-lint's region lists) and the
        hosting instance type; the SageMaker "<type> for endpoint usage" quota against the instances the stack runs
        (the autoscaling maximum); the Lambda concurrency left unreserved after the stack's reservations against
        Lambda's minimum (100, or the whole limit below 100); the API Gateway account CloudWatch role and what the
        stack does about it; VPC, Elastic IP and NAT gateway quotas against current use plus what the stack adds; and
        that the SageMaker Runtime interface endpoint service is offered in the stack's availability zones.
        Each check prints ok, warn or FAIL with what it saw and, when not ok, the fix (the Service Quotas request
        to file, with the quota's name and code). deploy and resume run the same checks first (--skip-preflight).
        Exit codes: 0 every check ok or warn, 3 a check failed, 1 a call failed, 2 bad flags.
        """
    static let options: [OptionSpec] = [
        .value("format", "text|json", "Output format (json for CI)."),
        .value("template", "FILE", "Check this CloudFormation template instead of synthesizing one."),
    ] + AWSContext.specs

    let context: AWSContext
    let json: Bool
    let templateFile: String?

    init(arguments: ParsedArguments, io: CommandIO) throws {
        context = try AWSContext(arguments: arguments, io: io)
        switch arguments["format"] ?? "text" {
        case "text": json = false
        case "json": json = true
        case let other: throw CLIError.usage("--format: expected text or json, got '\(other)'")
        }
        templateFile = arguments["template"]
    }

    func run(io: CommandIO) throws -> ExitCode {
        let template: String
        if let templateFile {
            guard let data = FileManager.default.contents(atPath: templateFile), let text = String(data: data, encoding: .utf8) else {
                throw CLIError.usage("--template: cannot read '\(templateFile)': check the path")
            }
            template = text
        } else {
            template = try Synthesis.compactCloudFormation(try Synthesis.stack(for: context.config))
        }
        let context = self.context
        let report = try AWSContext.run {
            let client = try await context.client(io: io)
            return try await PreflightGate.report(client: client, template: template, stack: context.config.stackName)
        }
        if json {
            io.write(PreflightGate.json(report))
        } else {
            io.line("preflight for stack \(context.config.stackName) in \(report.region), account \(report.account):")
            PreflightGate.print(report, io: io)
        }
        return report.status == .fail ? .gate : .success
    }
}

/// Preflight as a gate at the start of deploy and resume, and its two renderings.
enum PreflightGate {
    /// The flag deploy and resume accept.
    static let skipSpec: OptionSpec = .flag("skip-preflight", "Do not check quotas, concurrency and account settings first (slmstack preflight).")

    /// Runs the checks, mapping a template that cannot be read to bad input and an AWS error answer to one
    /// line naming preflight and the IAM action it needs (exit 1); `gate` adds the `--skip-preflight` way out.
    static func report(client: AWSClient, template: String, stack: String, gate: Bool = false) async throws -> PreflightReport {
        do {
            return try await Preflight(client: client).run(template: template, stackName: stack)
        } catch let error as PreflightError {
            throw CLIError.usage(error.description)
        } catch AWSClientError.service(let error) {
            throw CLIError.failure(failure(error, gate: gate))
        }
    }

    /// The IAM action a preflight call needs ("servicequotas:ListAWSDefaultServiceQuotas"), from the failed
    /// call's "<endpoint prefix> <operation>"; nil for sts GetCallerIdentity, which needs no permission.
    /// API Gateway authorizes its REST calls by HTTP method: GetAccount is apigateway:GET on /account.
    static func iamAction(_ operation: String) -> String? {
        let parts = operation.split(separator: " ", maxSplits: 1).map(String.init)
        guard parts.count == 2, operation != "sts GetCallerIdentity" else { return nil }
        return parts[0] == "apigateway" ? "apigateway:GET (arn:aws:apigateway:REGION::/account)" : "\(parts[0]):\(parts[1])"
    }

    /// One line for a preflight call AWS answered with an error.
    static func failure(_ error: AWSError, gate: Bool) -> String {
        let denied = ["AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedAccess"].contains(error.code)
        var text = "preflight: \(error.operation) failed: \(error.code)" + (error.message.isEmpty ? "" : " (\(error.message.split(whereSeparator: \.isNewline).joined(separator: " ")))")
        if let action = iamAction(error.operation) {
            text += denied ? "; grant \(action) to these credentials (preflight's calls are read-only)" : "; preflight needs \(action)"
        }
        return text + (gate ? "; or pass --skip-preflight to go ahead without the checks" : "")
    }

    /// Runs the checks before a deploy or resume: prints them, and stops (exit 3) when one failed.
    static func check(client: AWSClient, template: String, stack: String, io: CommandIO) async throws {
        let report = try await report(client: client, template: template, stack: stack, gate: true)
        io.line("preflight (read-only; --skip-preflight to skip):")
        print(report, io: io)
        if report.status == .fail { throw CLIError.gate(PreflightError.failed(report).description) }
    }

    /// `ok    id   summary` lines, with `fix:` lines under warnings and failures.
    static func print(_ report: PreflightReport, io: CommandIO) {
        let width = report.checks.map(\.id.count).max() ?? 0
        for check in report.checks {
            let label = check.status == .fail ? "FAIL" : check.status.rawValue
            io.line("  " + label.padding(toLength: 5, withPad: " ", startingAt: 0) + check.id.padding(toLength: width + 2, withPad: " ", startingAt: 0) + check.summary)
            if let fix = check.fix, check.status != .ok { io.line(String(repeating: " ", count: width + 9) + "fix: " + fix) }
        }
        let failed = report.failures.count, warned = report.checks.filter { $0.status == .warn }.count
        io.line("preflight: \(report.checks.count) checks, \(failed) failed, \(warned) warning(s)")
    }

    /// The report as JSON (sorted keys, one document).
    static func json(_ report: PreflightReport) -> String {
        let checks: [[String: Any]] = report.checks.map { check in
            var item: [String: Any] = ["id": check.id, "status": check.status.rawValue, "summary": check.summary]
            if let fix = check.fix { item["fix"] = fix }
            return item
        }
        let object: [String: Any] = ["region": report.region, "account": report.account, "status": report.status.rawValue, "checks": checks]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
