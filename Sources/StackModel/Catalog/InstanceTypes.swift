/// What accelerates an instance type.
public enum Accelerator: String, Sendable {
    /// NVIDIA GPUs: the TGI GPU image runs here.
    case nvidia
    /// AWS Inferentia2: needs the TGI Neuron image, which this stack does not use.
    case inferentia
    /// No accelerator.
    case none
}

/// A SageMaker hosting instance type.
public struct InstanceType: Sendable, Hashable {
    public var name: String
    public var vcpus: Int
    public var memoryGiB: Double
    public var accelerator: Accelerator
    /// The accelerator model, for example `NVIDIA A10G`.
    public var acceleratorModel: String
    public var acceleratorCount: Int
    /// Memory per accelerator in GiB.
    public var acceleratorMemoryGiB: Double
    /// Whether it has local NVMe instance storage (then SageMaker takes no KMS key for the volume).
    public var hasInstanceStorage: Bool

    /// Total accelerator memory in bytes.
    public var totalAcceleratorBytes: Double { Double(acceleratorCount) * acceleratorMemoryGiB * 1_073_741_824 }
}

/// The instance types slmstack knows, from the SageMaker and EC2 instance pages (read 2026-11-22).
public enum InstanceCatalog {
    private static func family(_ prefix: String, _ gpu: String, _ gpuGiB: Double, _ sizes: [(String, Int, Double, Int)]) -> [InstanceType] {
        sizes.map { size, vcpus, ram, gpus in
            InstanceType(name: "ml.\(prefix).\(size)", vcpus: vcpus, memoryGiB: ram, accelerator: .nvidia,
                         acceleratorModel: gpu, acceleratorCount: gpus, acceleratorMemoryGiB: gpuGiB, hasInstanceStorage: true)
        }
    }

    private static func cpu(_ name: String, _ vcpus: Int, _ ram: Double) -> InstanceType {
        InstanceType(name: name, vcpus: vcpus, memoryGiB: ram, accelerator: .none, acceleratorModel: "-",
                     acceleratorCount: 0, acceleratorMemoryGiB: 0, hasInstanceStorage: false)
    }

    /// Every known type, by name.
    public static let types: [String: InstanceType] = {
        var all: [InstanceType] = []
        all += family("g5", "NVIDIA A10G", 24, [("xlarge", 4, 16, 1), ("2xlarge", 8, 32, 1), ("4xlarge", 16, 64, 1),
            ("8xlarge", 32, 128, 1), ("12xlarge", 48, 192, 4), ("16xlarge", 64, 256, 1), ("24xlarge", 96, 384, 4), ("48xlarge", 192, 768, 8)])
        all += family("g4dn", "NVIDIA T4", 16, [("xlarge", 4, 16, 1), ("2xlarge", 8, 32, 1), ("4xlarge", 16, 64, 1),
            ("8xlarge", 32, 128, 1), ("12xlarge", 48, 192, 4), ("16xlarge", 64, 256, 1)])
        all += family("g6", "NVIDIA L4", 24, [("xlarge", 4, 16, 1), ("2xlarge", 8, 32, 1), ("4xlarge", 16, 64, 1),
            ("8xlarge", 32, 128, 1), ("12xlarge", 48, 192, 4), ("16xlarge", 64, 256, 1), ("24xlarge", 96, 384, 4), ("48xlarge", 192, 768, 8)])
        all += family("g6e", "NVIDIA L40S", 48, [("xlarge", 4, 32, 1), ("2xlarge", 8, 64, 1), ("4xlarge", 16, 128, 1),
            ("8xlarge", 32, 256, 1), ("12xlarge", 48, 384, 4), ("16xlarge", 64, 512, 1), ("24xlarge", 96, 768, 4), ("48xlarge", 192, 1536, 8)])
        all += family("p4d", "NVIDIA A100", 40, [("24xlarge", 96, 1152, 8)])
        all.append(InstanceType(name: "ml.inf2.xlarge", vcpus: 4, memoryGiB: 16, accelerator: .inferentia,
                                acceleratorModel: "AWS Inferentia2", acceleratorCount: 1, acceleratorMemoryGiB: 32, hasInstanceStorage: false))
        all += [cpu("ml.m5.large", 2, 8), cpu("ml.m5.xlarge", 4, 16), cpu("ml.m5.2xlarge", 8, 32), cpu("ml.m5.4xlarge", 16, 64),
                cpu("ml.c5.large", 2, 4), cpu("ml.c5.xlarge", 4, 8), cpu("ml.c5.2xlarge", 8, 16), cpu("ml.c5.4xlarge", 16, 32)]
        return Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })
    }()

    /// Every known name, sorted.
    public static var names: [String] { types.keys.sorted() }
}
