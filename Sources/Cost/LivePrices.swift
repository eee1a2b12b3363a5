import AWSClient
import Foundation

/// Where live prices come from: the AWS Price List API, or a fake in tests.
public protocol PriceSource: Sendable {
    /// The on-demand SageMaker hosting price of `instanceType` in `region`, or nil when AWS lists none.
    func sageMakerHosting(region: String, instanceType: String) async throws -> Price?
}

/// The AWS Price List Query API (`AWSPriceListService.GetProducts`, JSON 1.1, signed as `pricing`,
/// host `api.pricing.us-east-1.amazonaws.com`) through the project's own SigV4 client.
public struct PriceListAPI: PriceSource {
    public let client: AWSClient
    public let today: String

    public init(client: AWSClient, today: String) {
        self.client = client
        self.today = today
    }

    /// Filters by service, region and instance, then keeps the product whose usage type is
    /// `<region-prefix>-Host:<instance>` (hosting, not training or notebooks), following NextToken.
    public func sageMakerHosting(region: String, instanceType: String) async throws -> Price? {
        var token: String?
        var pages = 0
        repeat {
            var body: [String: JSONValue] = [
                "ServiceCode": "AmazonSageMaker", "FormatVersion": "aws_v1", "MaxResults": 100,
                "Filters": .array([
                    ["Type": "TERM_MATCH", "Field": "regionCode", "Value": .string(region)],
                    ["Type": "TERM_MATCH", "Field": "instanceName", "Value": .string(instanceType)],
                ]),
            ]
            if let token { body["NextToken"] = .string(token) }
            let answer: JSONValue
            do {
                answer = try await client.json(.pricing, operation: "GetProducts", body: .object(body))
            } catch let error as AWSClientError {
                throw CostError.livePrices("GetProducts for \(instanceType) in \(region) failed: \(error)")
            }
            for item in answer["PriceList"]?.array ?? [] {
                guard let text = item.string, let product = try? JSONValue.parse(Data(text.utf8)) else {
                    throw CostError.livePrices("GetProducts returned a PriceList item that is not a JSON document")
                }
                if let price = Self.hostingPrice(product, instanceType: instanceType, region: region, today: today) { return price }
            }
            token = answer["NextToken"]?.string
            pages += 1
        } while token != nil && pages < 50
        return nil
    }

    /// The hourly USD on-demand price of one price-list product, if it is `*-Host:<instance>`.
    static func hostingPrice(_ product: JSONValue, instanceType: String, region: String, today: String) -> Price? {
        guard let usage = product["product"]?["attributes"]?["usagetype"]?.string,
              let dash = usage.firstIndex(of: "-"), usage[usage.index(after: dash)...] == "Host:\(instanceType)",
              usage[..<dash].allSatisfy({ $0.isUppercase || $0.isNumber }) else { return nil }
        for term in product["terms"]?["OnDemand"]?.object?.values.sorted(by: { "\($0)" < "\($1)" }) ?? [] {
            for dimension in term["priceDimensions"]?.object?.values.sorted(by: { "\($0)" < "\($1)" }) ?? [] {
                guard let text = dimension["pricePerUnit"]?["USD"]?.string, let usd = Double(text), usd > 0 else { continue }
                let sku = product["product"]?["sku"]?.string ?? "?"
                return Price(key: PriceTable.hostingKey(instanceType), region: region, usd: usd, unit: "hour",
                             source: "AWS Price List API GetProducts, usage type \(usage), SKU \(sku)", asOf: today)
            }
        }
        return nil
    }
}

/// Live prices kept on disk with the date they were read, so `--live-prices` asks AWS at most once a day.
public struct PriceCache: Sendable {
    public let file: URL

    public init(file: URL) { self.file = file }

    /// `$SLMSTACK_CACHE_DIR`, `$XDG_CACHE_HOME/slmstack` or `~/.cache/slmstack`, file `prices.json`.
    public static func standard(environment: [String: String]) -> PriceCache {
        let folder = environment["SLMSTACK_CACHE_DIR"].map { URL(fileURLWithPath: $0) }
            ?? environment["XDG_CACHE_HOME"].map { URL(fileURLWithPath: $0).appendingPathComponent("slmstack") }
            ?? URL(fileURLWithPath: environment["HOME"] ?? NSTemporaryDirectory()).appendingPathComponent(".cache/slmstack")
        return PriceCache(file: folder.appendingPathComponent("prices.json"))
    }

    public func load() -> [Price] {
        guard let data = try? Data(contentsOf: file) else { return [] }
        return (try? JSONDecoder().decode([Price].self, from: data)) ?? []
    }

    public func store(_ prices: [Price]) {
        var merged = Dictionary(load().map { ("\($0.key)|\($0.region)", $0) }, uniquingKeysWith: { _, new in new })
        for price in prices { merged["\(price.key)|\(price.region)"] = price }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        guard let data = try? encoder.encode(merged.keys.sorted().map { merged[$0]! }) else { return }
        try? FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try? data.write(to: file, options: .atomic)
    }
}

/// Looks up the live prices an inventory needs: from the cache when read today, else from the source.
public enum LivePricing {
    public static func prices(for inventory: Inventory, source: any PriceSource, cache: PriceCache?, today: String,
                              refresh: Bool = false) async throws -> (prices: [Price], fromCache: Bool) {
        var found: [Price] = []
        var fromCache = true
        let cached = cache?.load() ?? []
        for instanceType in Set(inventory.endpoints.map(\.instanceType) + inventory.componentHosts.map(\.instanceType)).sorted() {
            let key = PriceTable.hostingKey(instanceType)
            if !refresh, let hit = cached.first(where: { $0.key == key && $0.region == inventory.region && $0.asOf == today }) {
                found.append(hit)
                continue
            }
            fromCache = false
            if let price = try await source.sageMakerHosting(region: inventory.region, instanceType: instanceType) {
                found.append(price)
            }
        }
        if !fromCache { cache?.store(found) }
        return (found, fromCache)
    }
}
