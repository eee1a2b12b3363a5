import Testing
@testable import StackModel

@Test func weightsFromS3DropTheInternetPathAndLoadTheStagedPrefix() throws {
    let hub = Stack.slmService(ServiceConfig())
    let staged = Stack.slmService(try config(["weights": "s3", "weights-revision": "v1.0"]))
    #expect(staged.validate().isEmpty)
    let removed = Set(hub.resources.map(\.id)).subtracting(staged.resources.map(\.id))
    #expect(removed == ["InternetGateway", "InternetGatewayAttachment", "PublicSubnet1", "PublicSubnet2", "PublicRouteTable",
                        "PublicDefaultRoute", "PublicSubnet1RouteTableAssociation", "PublicSubnet2RouteTableAssociation",
                        "NatAddress", "NatGateway", "PrivateDefaultRoute"])
    #expect(Set(staged.resources.map(\.id)).subtracting(hub.resources.map(\.id)) == ["S3GatewayEndpoint"])
    let endpoint = try #require(staged.resources(of: GatewayEndpoint.self).first)
    #expect(endpoint.service == "s3" && endpoint.routeTables.flatMap(\.references) == ["PrivateRouteTable"])

    let model = try #require(staged.resources(of: SageMakerModel.self).first)
    #expect(model.networkIsolation && model.environment["HF_MODEL_ID"] == StagedWeights.containerPath)
    #expect(model.modelData == StagedWeights.uri(modelID: ModelCatalog.defaultID, revision: "v1.0"))
    #expect(!model.suppressions.contains { $0.check == "CKV_AWS_370" }, "isolated: nothing to suppress")
    let hubModel = try #require(hub.resources(of: SageMakerModel.self).first)
    #expect(hubModel.modelData == nil && !hubModel.networkIsolation && hubModel.environment["HF_MODEL_ID"] == ModelCatalog.defaultID)

    let role = try #require(staged.resources(of: Role.self).first { $0.id == "ModelExecutionRole" })
    let statements = try #require(role.policies["model-data"]).statements
    #expect(statements.map(\.actions) == [["s3:GetObject"], ["s3:ListBucket"]])
    #expect(statements[0].resources == [StagedWeights.bucketArn("/models/\(ModelCatalog.defaultID)/v1.0/*")])
    #expect(statements[1].conditions["StringLike"]?["s3:prefix"] == .string("models/\(ModelCatalog.defaultID)/v1.0/*"))
    let hubRole = try #require(hub.resources(of: Role.self).first { $0.id == "ModelExecutionRole" })
    #expect(hubRole.policies["model-data"] == nil)
}

@Test func weightsSettingsRejectBadValuesWithTheFix() throws {
    #expect(throws: SettingError.self) { try config(["weights": "ftp"]) }
    #expect(throws: SettingError.self) { try config(["weights-revision": "refs/pr/1"]) }
    #expect(StagedWeights.revisionProblem("..") != nil && StagedWeights.revisionProblem("0123abcd") == nil)
    var bad = try config(["weights": "s3"])
    bad.modelID = "not a/valid/id"
    #expect(bad.validate().contains { $0.property == "model-id" && $0.message.contains("owner/name") })
    bad.weights = .hub
    #expect(!bad.validate().contains { $0.message.contains("staged") })
}
