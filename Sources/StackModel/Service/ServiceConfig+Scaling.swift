/// How the GPU capacity is provisioned.
public enum ScalingMode: String, Sendable, Hashable, CaseIterable {
    /// One always-on endpoint (optionally autoscaled between `min-instances` and `max-instances`).
    case instance
    /// An endpoint without a model, an inference component for the model, managed instance scaling
    /// down to 0 instances, scale-in after `idle-timeout` and a wake on the first request.
    case zero
}

extension ServiceConfig {
    /// Whether the stack scales to zero (`scaling zero`).
    public var scalesToZero: Bool { scaling == .zero }

    /// With `scaling zero`: the most copies (and instances, one copy per instance) autoscaling may
    /// run: `max-instances`, or 1.
    public var maxCopies: Int { maxInstances ?? 1 }

    /// The inference component's name: the stack name in lower case, at most 55 characters, then
    /// `-model` (63, SageMaker's limit); fixed so the shim and the alarms can name it.
    public var inferenceComponentName: String { String(stackName.lowercased().prefix(55)) + "-model" }

    /// What waking takes, as the API tells callers: SageMaker starts an instance, downloads the
    /// image and the weights and starts the container, 5-10 minutes (AWS's scale-to-zero blog).
    public static let wakeSeconds = 480

    /// The scale-to-zero settings, after every other (help lists them last).
    static let scalingSettings: [Setting] = [
        Setting(key: "scaling", placeholder: "instance|zero",
                help: "instance: one always-on endpoint; zero: an inference component that scales to no instance after idle-timeout and wakes on the first request (5-10 minutes; CloudFormation only)",
                terraformType: "string", read: { $0.scaling.rawValue }) { config, text throws(SettingError) in
            config.scaling = try choice("scaling", text)
        },
        // Application Auto Scaling's scale-in alarm itself waits 15 minutes (90 data points of 10 s).
        .whole("idle-timeout", placeholder: "MINUTES", help: "With scaling zero: a woken copy stays at least this long, then goes after 15 minutes without requests (15-1440)", range: 15...1_440,
                read: { String($0.idleTimeoutMinutes) }) { $0.idleTimeoutMinutes = $1 },
        .decimal("awake-hours-per-day", placeholder: "HOURS", help: "With scaling zero: hours a day the model is expected awake, for cost (0-24)", range: 0...24,
                read: { format($0.awakeHoursPerDay) }) { $0.awakeHoursPerDay = $1 },
    ]

    /// The problems of the scale-to-zero settings, each naming the setting and the fix.
    func scalingProblems() -> [(key: String, message: String)] {
        guard scalesToZero else { return [] }
        var problems: [(String, String)] = []
        if idlePause {
            problems.append(("idle-pause", "scaling zero already removes the GPU instance when idle; idle-pause would also remove the endpoint and the NAT gateway: turn idle-pause off"))
        }
        if let missing = RegionCatalog.missingOptionTypes[region], missing.contains("AWS::SageMaker::InferenceComponent") {
            problems.append(("scaling", "CloudFormation in \(region) has no AWS::SageMaker::InferenceComponent (cfn-lint's region list): use scaling instance there, or a region such as us-east-1"))
        }
        if minInstances != nil {
            problems.append(("min-instances", "scaling zero scales the model's copies from 0; remove min-instances (max-instances bounds the copies)"))
        }
        return problems
    }
}
