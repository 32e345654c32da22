import Foundation
import Vapor

extension JSONValue {
    /// Compact JSON with keys exactly as they are (no snake_case conversion): for user data such
    /// as job and workflow payloads.
    var plainJSONText: String {
        (try? String(decoding: JSONEncoder().encode(self), as: UTF8.self)) ?? "null"
    }
}

/// Encodes `nil` as an explicit JSON `null` instead of omitting the key, so clients always see
/// every field of a DTO.
@propertyWrapper
public struct NullEncoded<T: Codable & Sendable>: Codable, Sendable {
    public var wrappedValue: T?
    public init(wrappedValue: T?) { self.wrappedValue = wrappedValue }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        wrappedValue = c.decodeNil() ? nil : try c.decode(T.self)
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        if let v = wrappedValue { try c.encode(v) } else { try c.encodeNil() }
    }
}

extension KeyedDecodingContainer {
    /// A missing key decodes to nil for `@NullEncoded` fields, like a plain optional.
    public func decode<T>(_ type: NullEncoded<T>.Type, forKey key: Key) throws -> NullEncoded<T> {
        try decodeIfPresent(type, forKey: key) ?? NullEncoded(wrappedValue: nil)
    }
}

/// A PATCH field: absent (leave alone), null (clear) or a value.
public enum Patch<T: Decodable & Sendable>: Decodable, Sendable {
    case absent
    case null
    case value(T)

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        self = c.decodeNil() ? .null : .value(try c.decode(T.self))
    }

    public var isAbsent: Bool { if case .absent = self { return true } else { return false } }
}

extension KeyedDecodingContainer {
    public func decode<T>(_ type: Patch<T>.Type, forKey key: Key) throws -> Patch<T> {
        guard contains(key) else { return .absent }
        return try Patch<T>(from: superDecoder(forKey: key))
    }
}

/// The API's JSON coders: snake_case keys, ISO-8601 dates (DESIGN §4). Dates carry
/// milliseconds, so lists ordered by time (the inbox) sort the same on the client as on the
/// server; input is accepted with or without fractional seconds.
public enum JSONCoders {
    /// An API date: ISO-8601 UTC with milliseconds.
    public static func string(from date: Date) -> String {
        date.formatted(.iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: true)
            .timeSeparator(.colon).timeZone(separator: .omitted))
    }

    public static var encoder: JSONEncoder {
        let e = JSONEncoder()
        e.keyEncodingStrategy = .convertToSnakeCase
        e.dateEncodingStrategy = .custom { date, encoder in
            var c = encoder.singleValueContainer()
            try c.encode(string(from: date))
        }
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }
    public static var decoder: JSONDecoder {
        let d = JSONDecoder()
        d.keyDecodingStrategy = .convertFromSnakeCase
        d.dateDecodingStrategy = .custom { decoder in
            let c = try decoder.singleValueContainer()
            let s = try c.decode(String.self)
            if let d = try? Date(s, strategy: .iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: true).timeSeparator(.colon).timeZone(separator: .omitted)) { return d }
            if let d = try? Date(s, strategy: .iso8601) { return d }
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "must be an ISO-8601 date-time, e.g. 2026-11-25T10:00:00Z")
        }
        return d
    }
}

extension JSONValue: Content {}

/// JSON text written by hand where an encoder is too slow (the inbound webhook's job payload).
enum JSONText {
    /// Appends `s` as a JSON string literal: quotes, backslashes and control characters escaped,
    /// everything else (non-ASCII included) as UTF-8.
    static func appendQuoted(_ s: String, to out: inout String) {
        out.append("\"")
        var plainStart = s.utf8.startIndex
        var i = plainStart
        let utf8 = s.utf8
        while i != utf8.endIndex {
            let b = utf8[i]
            if b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") || b < 0x20 {
                out.append(contentsOf: s[plainStart..<i])
                switch b {
                case UInt8(ascii: "\""): out.append("\\\"")
                case UInt8(ascii: "\\"): out.append("\\\\")
                case 0x0A: out.append("\\n")
                case 0x0D: out.append("\\r")
                case 0x09: out.append("\\t")
                default:
                    let hex = String(b, radix: 16)
                    out.append("\\u00" + (hex.count == 1 ? "0" + hex : hex))
                }
                plainStart = utf8.index(after: i)
            }
            i = utf8.index(after: i)
        }
        out.append(contentsOf: s[plainStart..<utf8.endIndex])
        out.append("\"")
    }
}
