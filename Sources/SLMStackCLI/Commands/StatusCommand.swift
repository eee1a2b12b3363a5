import AWSClient
import CloudFormationSynth
import Cost
import Deploy
import Foundation
import StackModel

/// `slmstack status`.
struct StatusCommand: SubCommand {
    static let name = "status"
    static let abstract = "Show the stack, its outputs, the endpoint's state and what it has cost so far."
    static let options: [OptionSpec] = AWSContext.identitySpecs

    let context: AWSContext

    init(arguments: ParsedArguments, io: CommandIO) throws {
        context = try AWSContext(arguments: arguments, io: io)
    }

    func run(io: CommandIO) throws -> ExitCode {
        let context = self.context
        let name = context.config.stackName
        let console = CLIConsole(io: io)
        let report = try AWSContext.run {
            let client = try await context.client(io: io)
            return try await Deployer(api: CloudFormationAPI(client: client), console: console).status(stack: name)
        }
        let stack = report.stack
        io.line("stack       \(stack.name) (\(context.config.region))")
        io.line("status      \(stack.status)\(stack.statusReason.map { ": \($0)" } ?? "")")
        if let created = stack.creationTime { io.line("created     \(ISO8601DateFormatter().string(from: created))") }
        if let updated = stack.lastUpdatedTime { io.line("updated     \(ISO8601DateFormatter().string(from: updated))") }
        switch report.isPaused {
        case true?: io.line("state       Paused: no endpoint or NAT gateway, the API answers 503 paused ('slmstack resume --stack-name \(stack.name)' brings them back)")
        case false?: io.line("state       Running ('slmstack pause --stack-name \(stack.name)' removes the endpoint and the NAT gateway until resumed)")
        case nil: break
        }
        if let deadline = report.expiresAt {
            // A stack deletes in minutes: one still here well after its TTL had its deletion fail or
            // refused (Scheduler does not retry a ValidationError), and keeps billing.
            let overdue = report.now.timeIntervalSince(deadline)
            io.line("expires     \(ExpiryTime.relative(deadline, now: report.now))" + (overdue <= 0 ? ""
                : overdue < 3_600 ? ": the expiry schedule is deleting the stack"
                : ": TTL PASSED and the stack is still here (\(stack.status)): its deletion failed or was refused; 'slmstack destroy --stack-name \(stack.name)' removes it"))
        } else if report.isPaused != nil {
            io.line("expires     never (no TTL; deploy with --ttl 4h to set one)")
        }
        switch report.deadLetter?.messages {
        case .success(let count)? where count > 0:
            io.line("TTL deletion failed: \(count) message\(count == 1 ? "" : "s") in \(report.deadLetter!.url); run slmstack destroy --stack-name \(stack.name)")
        case .failure(let refusal)?:
            io.note("warning: the TTL's dead-letter queue \(report.deadLetter!.url) could not be read (\(refusal.code)): failed deletions are not counted")
        default: break
        }
        if report.isPaused == true {
            // No endpoint while paused: nothing bills by the hour for it.
        } else if let endpoint = report.endpoint {
            io.line("endpoint    \(endpoint.name): \(endpoint.status)\(endpoint.failureReason.map { " (\($0))" } ?? "")")
            if let type = report.instanceType, let count = report.instanceCount {
                var warnings: [String] = []
                let price = PriceTable.embedded.lookup(PriceTable.hostingKey(type), region: context.config.region, warnings: &warnings)
                let hourly = price.map { $0.usd * Double(count) }
                io.line("instances   \(count) x \(type)\(hourly.map { ", \(Estimate.money($0))/hour" } ?? ", price unknown")")
                if !report.components.isEmpty {
                    // scale to zero: the instances come and go with the copies, so no cost since creation
                    for component in report.components {
                        io.line("copies      \(component.name): \(component.copiesText) [\(component.status)]")
                    }
                } else if let created = endpoint.creationTime, let hourly {
                    let hours = max(0, Date().timeIntervalSince(created) / 3600)
                    io.line("cost so far \(Estimate.money(hours * hourly)) for \(String(format: "%.1f", hours)) hours since \(ISO8601DateFormatter().string(from: created)) (endpoint instances only)")
                }
                for warning in warnings { io.note("warning: \(warning)") }
            }
        } else if let name = stack.output("EndpointName") {
            io.line("endpoint    \(name): not found")
        }
        Outputs.print(stack, io: io)
        return .success
    }
}
