import Foundation
import Testing
@testable import Deploy

/// `invoke` waits only for the shim's 503 model_starting, as long as Retry-After asks (1-120 s).
@Test func wakingReadsTheShimsAnswer() {
    let starting = Data(#"{"error":{"code":"model_starting","message":"the model is starting","type":"server_error","param":null}}"#.utf8)
    let paused = Data(#"{"error":{"code":"paused","message":"paused","type":"server_error","param":null}}"#.utf8)
    #expect(Invoker.waking(status: 503, headers: ["retry-after": "30"], body: starting) == 30)
    #expect(Invoker.waking(status: 503, headers: [:], body: starting) == 30)
    #expect(Invoker.waking(status: 503, headers: ["retry-after": "900"], body: starting) == 120)
    #expect(Invoker.waking(status: 503, headers: ["retry-after": "30"], body: paused) == nil)
    #expect(Invoker.waking(status: 500, headers: ["retry-after": "30"], body: starting) == nil)
}
