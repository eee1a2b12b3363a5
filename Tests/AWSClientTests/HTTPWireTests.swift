import Foundation
import SigV4
import Testing
@testable import AWSClient

/// HTTP/1.1 framing without sockets: URLs split for the request line and `Host`, the request head,
/// and the answer reader fed whole, byte by byte, and at every split point.
@Suite("HTTP/1.1 on the wire")
struct HTTPWireTests {
    @Test func urlsSplitIntoHostPortAndTarget() throws {
        let local = try #require(HTTPWire.Target(url: "http://127.0.0.1:4566/path/a%20b?x=1&y=#frag"))
        #expect(local == HTTPWire.Target(url: "HTTP://127.0.0.1:4566/path/a%20b?x=1&y=#other"))
        #expect(local.host == "127.0.0.1" && local.port == 4566 && local.hostHeader == "127.0.0.1:4566" && local.path == "/path/a%20b?x=1&y=")
        let bare = try #require(HTTPWire.Target(url: "http://LocalHost"))
        #expect(bare.host == "LocalHost" && bare.port == 80 && bare.hostHeader == "localhost" && bare.path == "/")
        let query = try #require(HTTPWire.Target(url: "http://h?Action=X"))
        #expect(query.path == "/?Action=X")
        let v6 = try #require(HTTPWire.Target(url: "http://[::1]:8080/latest"))
        #expect(v6.host == "::1" && v6.port == 8080 && v6.hostHeader == "[::1]:8080" && v6.path == "/latest")
        let v6Default = try #require(HTTPWire.Target(url: "http://[FD00:EC2::23]/"))
        #expect(v6Default.host == "FD00:EC2::23" && v6Default.hostHeader == "[fd00:ec2::23]")
        let userinfo = try #require(HTTPWire.Target(url: "http://user:secret@169.254.170.2:80/creds"))
        #expect(userinfo.host == "169.254.170.2" && userinfo.hostHeader == "169.254.170.2" && userinfo.path == "/creds")
        for bad in ["https://h/", "ftp://h/", "http://", "http:///x", "http://h:0/", "http://h:65536/", "http://h:/", "http://h:8a/",
                    "http://[::1/", "http://[::1]x/", "http://h/a b", "http://h/é", "http://h/\n"] {
            #expect(HTTPWire.Target(url: bad) == nil, "\(bad)")
        }
    }

    /// The `Host` sent is the one SigV4 signed, or the local AWS rejects the signature.
    @Test func hostHeaderIsTheOneSigV4Signs() throws {
        let signer = SigV4Signer(credentials: SigV4Credentials(accessKeyID: "AKID", secretAccessKey: "secret"))
        for url in ["http://127.0.0.1:4566/", "http://LOCALHOST/", "http://localhost:80/x", "http://[::1]:5000/?a=b", "http://Example.Test:8080"] {
            let signed = try signer.sign(SigV4Request(method: "GET", url: url), region: "us-east-1", service: "sts",
                                         time: SigningTime(secondsSince1970: 1_700_000_000))
            let host = signed.canonicalRequest.split(separator: "\n").first { $0.hasPrefix("host:") }.map { String($0.dropFirst(5)) }
            #expect(HTTPWire.Target(url: url)?.hostHeader == host, "\(url)")
        }
    }

    @Test func requestHeadCarriesTheCallersHeadersAndItsOwnFraming() throws {
        let target = try #require(HTTPWire.Target(url: "http://127.0.0.1:4566/?Action=X"))
        let head = try #require(HTTPWire.requestHead(method: "POST", target: target,
                                                     headers: [("Authorization", "AWS4 x"), ("Host", "evil"), ("content-length", "99"),
                                                               ("Connection", "keep-alive"), ("X-Amz-Date", "20240101T000000Z")],
                                                     bodyLength: 12, userAgent: "slmstack"))
        #expect(String(decoding: head, as: UTF8.self) == "POST /?Action=X HTTP/1.1\r\nHost: 127.0.0.1:4566\r\nAuthorization: AWS4 x\r\n"
            + "X-Amz-Date: 20240101T000000Z\r\nUser-Agent: slmstack\r\nContent-Length: 12\r\nConnection: close\r\n\r\n")
        // A GET without a body has no Content-Length; a POST without one says 0; the caller's User-Agent wins.
        let get = String(decoding: try #require(HTTPWire.requestHead(method: "GET", target: target, headers: [("user-agent", "me")],
                                                                     bodyLength: 0, userAgent: "slmstack")), as: UTF8.self)
        #expect(!get.contains("Content-Length") && get.contains("user-agent: me\r\n") && !get.contains("slmstack"))
        let post = String(decoding: try #require(HTTPWire.requestHead(method: "POST", target: target, headers: [], bodyLength: 0,
                                                                      userAgent: "slmstack")), as: UTF8.self)
        #expect(post.contains("Content-Length: 0\r\n"))
        // No header can smuggle a line into the request.
        for headers in [[("X-A", "v\r\nX-Injected: 1")], [("X-A\r\nX-B", "v")], [("X A", "v")], [("", "v")], [("X-A:", "v")]] {
            #expect(HTTPWire.requestHead(method: "GET", target: target, headers: headers, bodyLength: 0, userAgent: "u") == nil)
        }
        #expect(HTTPWire.requestHead(method: "GET /x", target: target, headers: [], bodyLength: 0, userAgent: "u") == nil)
        #expect(HTTPWire.requestHead(method: "GET", target: target, headers: [("X-A", "tab\tok")], bodyLength: 0, userAgent: "u") != nil)
    }

    /// Feeds `bytes` in pieces of `piece` bytes; the reader after the last piece, and the body bytes
    /// reported piece by piece.
    static func read(_ text: String, method: String = "GET", piece: Int = .max, close: Bool = false) throws -> (HTTPResponseReader, Data) {
        var reader = HTTPResponseReader(method: method)
        var reported = Data()
        let bytes = Array(text.utf8)
        var start = 0
        while start < bytes.count, !reader.isComplete {
            let end = min(bytes.count, start + piece)
            let added = try bytes[start..<end].withUnsafeBytes { try reader.feed($0) }
            reported += reader.body.suffix(added)
            start = end
        }
        if close { _ = reader.end() }
        return (reader, reported)
    }

    static let chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\nX-Amzn-RequestId: r1\r\n\r\n"
        + "5;name=value\r\nhello\r\n1A\r\n, world of chunked bodies!\r\n0\r\nX-Trailer: t\r\n\r\n"

    @Test func everyFramingAtEverySplitPoint() throws {
        let cases: [(text: String, method: String, close: Bool, status: Int, body: String)] = [
            ("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloEXTRA", "GET", false, 200, "hello"),
            (Self.chunked, "GET", false, 200, "hello, world of chunked bodies!"),
            ("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the close", "GET", true, 200, "until the close"),
            ("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", "HEAD", false, 200, ""),
            ("HTTP/1.1 204 No Content\r\nContent-Length: 7\r\n\r\n", "DELETE", false, 204, ""),
            ("HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n", "GET", false, 304, ""),
            ("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok", "PUT", false, 201, "ok"),
            ("HTTP/1.1 307 Temporary Redirect\r\nLocation: http://elsewhere/\r\nContent-Length: 0\r\n\r\n", "GET", false, 307, ""),
            ("HTTP/1.1 200 OK\nContent-Length: 3\n\nabc", "GET", false, 200, "abc"),
            ("HTTP/1.1 200 OK\r\nContent-Length: 3, 3\r\n\r\nabc", "GET", false, 200, "abc"),
            ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 99\r\n\r\n3\r\nabc\r\n0\r\n\r\n", "GET", false, 200, "abc"),
            ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\nabc\n0\n\n", "GET", false, 200, "abc"),
        ]
        for item in cases {
            for piece in [1, 2, 3, 7, 64, Int.max] {
                let (reader, reported) = try Self.read(item.text, method: item.method, piece: piece, close: item.close)
                #expect(reader.isComplete && reader.status == item.status, "\(item.text.prefix(30)) in pieces of \(piece)")
                #expect(String(decoding: reader.body, as: UTF8.self) == item.body && reported == reader.body, "\(item.text.prefix(30)) in pieces of \(piece)")
            }
        }
    }

    @Test func headerNamesAreCaseInsensitiveRepeatsJoinedFoldsUnfolded() throws {
        let text = "HTTP/1.1 200 OK\r\nX-Amzn-RequestId:  r-1 \r\nCONTENT-TYPE: text/xml\r\nSet-Thing: a\r\nset-thing: b\r\n"
            + "X-Folded: first\r\n  second\r\nX-Empty:\r\nContent-Length: 0\r\n\r\n"
        let (reader, _) = try Self.read(text)
        #expect(reader.headers == ["x-amzn-requestid": "r-1", "content-type": "text/xml", "set-thing": "a, b",
                                   "x-folded": "first second", "x-empty": "", "content-length": "0"])
        let response = HTTPResponse(status: reader.status!, headers: reader.headers, body: reader.body)
        #expect(response.headers["x-amzn-requestid"] == "r-1")
    }

    @Test func incompleteAnswersStayIncomplete() throws {
        let short = try Self.read("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf", close: true).0
        #expect(!short.isComplete && short.status == 200 && short.body.count == 4 && short.expectedLength == 10)
        let chunk = try Self.read("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel", close: true).0
        #expect(!chunk.isComplete && chunk.body.count == 3)
        let head = try Self.read("HTTP/1.1 200 OK\r\nContent-Le", close: true).0
        #expect(!head.isComplete && head.status == nil && head.bytesRead == 27)
    }

    @Test func malformedAnswersAreRefused() {
        let bad = [
            "SSH-2.0-OpenSSH\r\n\r\n", "HTTP/1.1 2000 OK\r\n\r\n", "HTTP/2 200\r\n\r\n", "HTTP/1.1 OK\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\nhello", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 1e3\r\n\r\n", "HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n", "HTTP/1.1 200 OK\r\nno colon\r\n\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n",
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n",
            "HTTP/1.1 200 OK\r\nX: " + String(repeating: "a", count: HTTPResponseReader.headLimit + 10),
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + String(repeating: "0", count: HTTPResponseReader.lineLimit + 10),
        ]
        for text in bad {
            #expect(throws: HTTPWire.Malformed.self, "\(text.prefix(40))") { try Self.read(text) }
        }
    }
}
