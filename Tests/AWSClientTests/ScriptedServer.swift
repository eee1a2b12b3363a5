import Foundation
@testable import AWSClient
#if canImport(Glibc)
import Glibc

/// A loopback server for the wire tests: it reads each request (`LoopbackServer.readRequest`), then
/// hands the raw connection to a script that answers as the test needs: bytes split anywhere,
/// pauses, a close mid-body, a TCP reset, or nothing at all. IPv4 (127.0.0.1) or IPv6 (::1).
final class ScriptedServer: @unchecked Sendable {
    /// One accepted connection, for the script.
    final class Connection: @unchecked Sendable {
        let fd: Int32
        let request: LoopbackServer.Request

        init(fd: Int32, request: LoopbackServer.Request) {
            self.fd = fd
            self.request = request
        }

        /// Sends text as UTF-8; false when the client has gone.
        @discardableResult
        func send(_ text: String) -> Bool { LoopbackServer.writeAll(fd, Array(text.utf8)) }

        @discardableResult
        func send(_ bytes: [UInt8]) -> Bool { LoopbackServer.writeAll(fd, bytes) }

        func pause(_ seconds: TimeInterval) { Thread.sleep(forTimeInterval: seconds) }

        /// Closes with SO_LINGER 0: the client gets a TCP reset.
        func reset() {
            var option = linger(l_onoff: 1, l_linger: 0)
            setsockopt(fd, SOL_SOCKET, SO_LINGER, &option, socklen_t(MemoryLayout<linger>.size))
        }

        /// Whether the client closed its end within `seconds` (a read returns 0 or fails).
        func clientClosed(within seconds: TimeInterval) -> Bool {
            var fds = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0)]
            guard poll(&fds, 1, Int32(seconds * 1000)) > 0 else { return false }
            var byte: UInt8 = 0
            return recv(fd, &byte, 1, Int32(MSG_DONTWAIT)) <= 0
        }
    }

    let port: Int
    let ipv6: Bool
    var url: String { ipv6 ? "http://[::1]:\(port)" : "http://127.0.0.1:\(port)" }
    private let listener: Int32
    private let log = Locked<[LoopbackServer.Request]>([])

    /// Starts listening on a free port of 127.0.0.1 (or ::1); `script` answers each connection,
    /// which is closed when it returns.
    init(ipv6: Bool = false, _ script: @escaping @Sendable (Connection) -> Void) throws {
        self.ipv6 = ipv6
        listener = socket(ipv6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var yes: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        do {
            port = try Self.bindLoopback(listener, ipv6: ipv6)
        } catch {
            close(listener)
            throw error
        }
        let listener = listener
        let log = log
        Thread {
            while true {
                let client = accept(listener, nil, nil)
                if client < 0 { break }
                Thread {
                    defer { close(client) }
                    guard let request = LoopbackServer.readRequest(client) else { return }
                    log.withLock { $0.append(request) }
                    script(Connection(fd: client, request: request))
                }.start()
            }
        }.start()
    }

    deinit { stop() }

    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    /// Every request received so far.
    var requests: [LoopbackServer.Request] { log.withLock { $0 } }

    /// Binds to port 0 of the loopback address and listens; the port chosen.
    static func bindLoopback(_ fd: Int32, ipv6: Bool) throws -> Int {
        let failed = TransportError(reason: "scripted server: bind/listen failed (errno \(errno))", isRetryable: false)
        if ipv6 {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_addr = in6addr_loopback
            var length = socklen_t(MemoryLayout<sockaddr_in6>.size)
            let bound = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && listen(fd, 32) == 0 && getsockname(fd, $0, &length) == 0 }
            }
            guard bound else { throw failed }
            return Int(UInt16(bigEndian: address.sin6_port))
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && listen(fd, 32) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw failed }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// A loopback port nothing listens on: bound, then closed.
    static func closedPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        return try bindLoopback(fd, ipv6: false)
    }

    /// Whether this machine has an IPv6 loopback to test against.
    static var hasIPv6Loopback: Bool {
        let fd = socket(AF_INET6, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return (try? bindLoopback(fd, ipv6: true)) != nil
    }
}
#endif
