import Foundation
import Testing
@testable import Deploy

/// The same stream cut into pieces at every byte gives the same events: a piece may end inside a
/// UTF-8 character or between the CR and LF of a line end.
@Test func eventsDoNotDependOnWhereTheBytesAreCut() {
    let stream = Array("data: {\"a\":\"é🙂\"}\r\n\r\n: comment\n\ndata:x\ndata: y\n\nevent: ping\ndata: [DONE]\r\rdata: unfinished".utf8)
    let expected = ["{\"a\":\"é🙂\"}", "x\ny", "[DONE]"]
    var whole = ServerSentEvents()
    #expect(whole.feed(stream) == expected)
    for cut in 1..<stream.count {
        var parser = ServerSentEvents()
        let events = parser.feed(stream[..<cut]) + parser.feed(stream[cut...])
        #expect(events == expected, "cut at byte \(cut)")
    }
    var bytewise = ServerSentEvents()
    #expect(stream.flatMap { bytewise.feed([$0]) } == expected)
}
