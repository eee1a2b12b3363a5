import Foundation

/// Splits a `text/event-stream` body into events as its bytes arrive, in any pieces (WHATWG HTML,
/// "Server-sent events", §9.2.6): lines end in LF, CRLF or CR; `data:` lines (one optional space
/// after the colon) are joined with LF; a blank line ends an event; comments (`:`) and other fields
/// are skipped. Bytes are kept until their line is whole, so a piece may end inside a UTF-8 character.
public struct ServerSentEvents: Sendable {
    private var pending: [UInt8] = []
    private var data: [String] = []
    private var lastWasCR = false

    public init() {}

    /// Takes the next bytes and returns the `data` of every event they complete, in order.
    public mutating func feed<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> [String] {
        var events: [String] = []
        for byte in bytes {
            if byte == 0x0A, lastWasCR {  // the LF of a CRLF: the line already ended at the CR
                lastWasCR = false
                continue
            }
            lastWasCR = byte == 0x0D
            if byte == 0x0A || byte == 0x0D {
                if let event = endLine() { events.append(event) }
            } else {
                pending.append(byte)
            }
        }
        return events
    }

    /// Ends the stream: an event without its closing blank line is dropped, as the standard says.
    public mutating func finish() {
        pending.removeAll()
        data.removeAll()
    }

    private mutating func endLine() -> String? {
        let line = String(decoding: pending, as: UTF8.self)
        pending.removeAll(keepingCapacity: true)
        if line.isEmpty {
            defer { data.removeAll() }
            return data.isEmpty ? nil : data.joined(separator: "\n")
        }
        if line.hasPrefix("data:") {
            var value = line.dropFirst(5)
            if value.first == " " { value = value.dropFirst() }
            data.append(String(value))
        }
        return nil
    }
}
