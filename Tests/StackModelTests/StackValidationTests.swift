import Testing
@testable import StackModel

@Test func cidrArithmetic() throws {
    let vpc = try CIDRBlock(parsing: "10.20.0.0/16")
    #expect(vpc.subnet(prefix: 20, index: 0)?.description == "10.20.0.0/20")
    #expect(vpc.subnet(prefix: 20, index: 9)?.description == "10.20.144.0/20")
    #expect(vpc.subnet(prefix: 20, index: 16) == nil)
    #expect(vpc.contains(try CIDRBlock(parsing: "10.20.255.240/28")))
    #expect(!vpc.contains(try CIDRBlock(parsing: "10.21.0.0/24")))
    #expect(!vpc.contains(try CIDRBlock(parsing: "10.0.0.0/8")))
    #expect(try CIDRBlock(parsing: "10.20.0.0/20").overlaps(try CIDRBlock(parsing: "10.20.15.0/24")))
    #expect(!(try CIDRBlock(parsing: "10.20.0.0/20").overlaps(try CIDRBlock(parsing: "10.20.16.0/20"))))
    for bad in ["10.20.0.0", "10.20.0/16", "10.20.0.0/33", "a.b.c.d/16", "10.20.0.0/-1", "10.20.0.0/1x", "10.20.0.1/16"] {
        #expect(throws: CIDRError.self, "\(bad)") { try CIDRBlock(parsing: bad) }
    }
}

/// A small stack written with the DSL, with the given subnets.
func network(_ subnets: [(LogicalID, String, Int, SubnetTier)], vpcCIDR: String = "10.0.0.0/16") -> Stack {
    Stack("t", description: "test") {
        let vpc = Vpc("Vpc", cidr: vpcCIDR)
        vpc
        for (id, cidr, zone, tier) in subnets {
            Subnet(id, vpc: vpc, cidr: cidr, zoneIndex: zone, tier: tier)
        }
    }
}

@Test func subnetOutsideTheVpcIsNamed() {
    let problems = network([("A", "10.0.0.0/24", 0, .private), ("B", "10.1.0.0/24", 1, .private)]).validate()
    #expect(problems.map(\.description) == ["Subnet 'B': property 'CidrBlock' 10.1.0.0/24 is outside the VPC 'Vpc' 10.0.0.0/16: choose a block inside it"])
}

@Test func overlappingSubnetsAreNamed() {
    let problems = network([("A", "10.0.0.0/20", 0, .private), ("B", "10.0.8.0/24", 1, .private)]).validate()
    #expect(problems.map(\.description) == ["Subnet 'B': property 'CidrBlock' 10.0.8.0/24 overlaps subnet 'A' 10.0.0.0/20: give each subnet its own block"])
}

@Test func subnetCountMustMatchTheZones() {
    let problems = network([("A", "10.0.0.0/24", 0, .private), ("B", "10.0.1.0/24", 2, .private)]).validate()
    #expect(problems.count == 1)
    #expect(problems[0].description.contains("private subnets are in zones [0, 2] but need one subnet in each of zones [0, 1]"))
}

@Test func badSubnetCIDRIsNamed() {
    let problems = network([("A", "10.0.0.0/33", 0, .private)]).validate()
    #expect(problems.map(\.description) == ["Subnet 'A': property 'CidrBlock' '10.0.0.0/33' is not a CIDR block: expected a.b.c.d/n with n from 0 to 32"])
}

@Test func duplicateLogicalIDsAreNamed() {
    let stack = Stack("t", description: "test") {
        InternetGateway("Gateway")
        ElasticIP("Gateway")
    }
    #expect(stack.validate().map(\.description) == ["ElasticIP 'Gateway': property 'LogicalId' duplicate logical ID 'Gateway' (also used by a InternetGateway): give each resource its own ID"])
}

@Test func malformedLogicalIDsAreNamed() {
    let stack = Stack("t", description: "test") { InternetGateway("Not-Valid") }
    #expect(stack.validate().first?.description.contains("'Not-Valid' is not a valid logical ID") == true)
}

@Test func danglingReferencesAreNamed() {
    let vpc = Vpc("Vpc", cidr: "10.0.0.0/16")
    let stack = Stack("t", description: "test") {
        // The VPC itself is left out of the stack on purpose.
        SecurityGroup("Group", vpc: vpc, description: "x", egress: [.denyAll])
        Output("Missing", "x", .ref("Nowhere"))
    }
    #expect(stack.validate().map(\.description) == [
        "SecurityGroup 'Group': property 'Ref' refers to 'Vpc', which is not in the stack: add it or remove the reference",
        "Output 'Missing': property 'Value' refers to 'Nowhere', which is not in the stack: add it or remove the reference",
    ])
}

@Test func dependsOnCountsAsAReference() {
    let gateway = InternetGateway("Gateway")
    let stack = Stack("t", description: "test") { ElasticIP("Address").dependsOn(gateway) }
    #expect(stack.validate().map(\.name) == ["Address"])
}

@Test func builderSupportsConditionalsAndLoops() {
    for withNat in [true, false] {
        let stack = Stack("t", description: "test") {
            InternetGateway("Gateway")
            if withNat {
                ElasticIP("Address")
            } else {
                Output("NoNat", "x", "none")
            }
            for index in 1...3 { ElasticIP(LogicalID("Extra\(index)")) }
        }
        #expect(stack.resources.map(\.id.rawValue) == ["Gateway"] + (withNat ? ["Address"] : []) + ["Extra1", "Extra2", "Extra3"])
        #expect(stack.outputs.count == (withNat ? 0 : 1))
    }
}

@Test func referencesAreFoundInNestedValues() {
    let statement = PolicyStatement.allow(["s3:GetObject"], on: [.join(["arn:", .attribute("Bucket", .arn), "/*"])])
    let role = Role("R", description: "d", assumedBy: "lambda.amazonaws.com", policies: ["p": PolicyDocument([statement])])
    #expect(role.referencedIDs == ["Bucket"])
}

@Test func stableHashIsStableAndSpreads() {
    #expect(StableHash.hex8("POST /invoke") == StableHash.hex8("POST /invoke"))
    #expect(StableHash.hex8("POST /invoke") != StableHash.hex8("POST /invoke2"))
    #expect(StableHash.hex8("").count == 8)
}
