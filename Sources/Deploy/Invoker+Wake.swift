import AWSClient
import Foundation

extension Invoker {
    /// The longest `invoke` waits for a model that scales to zero to wake: SageMaker takes 5-10
    /// minutes to start an instance and the container; this leaves room for a slow start.
    public static let wakeLimitSeconds: TimeInterval = 15 * 60

    /// Whether an answer is the shim's 503 `model_starting` (scale to zero, waking), and the
    /// seconds its `Retry-After` asks for (30 when absent or unreadable, at most 120).
    public static func waking(status: Int, headers: [String: String], body: Data) -> TimeInterval? {
        guard status == 503,
              let object = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any],
              (object["error"] as? [String: Any])?["code"] as? String == "model_starting" else { return nil }
        let asked = headers["retry-after"].flatMap { TimeInterval($0.trimmingCharacters(in: .whitespaces)) } ?? 30
        return min(120, max(1, asked))
    }

    /// POSTs like `post`, and while the model is waking (503 `model_starting`) waits what
    /// `Retry-After` asks and tries again, calling `onWait` with the seconds waited so far and the
    /// next wait, until it answers otherwise or `limit` seconds have passed (then the last answer).
    public func postWaking(url: String, apiKey: String, body: Data, limit: TimeInterval = Invoker.wakeLimitSeconds,
                           onWait: @Sendable (TimeInterval, TimeInterval) -> Void) async throws -> (status: Int, body: Data) {
        let started = Date()
        while true {
            let response = try await send(url: url, apiKey: apiKey, body: body, timeout: 35)
            let waited = Date().timeIntervalSince(started)
            guard let pause = Self.waking(status: response.status, headers: response.headers, body: response.body),
                  waited + pause <= limit else { return (response.status, response.body) }
            onWait(waited, pause)
            try await Task.sleep(nanoseconds: UInt64(pause * 1_000_000_000))
        }
    }
}
