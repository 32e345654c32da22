import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Vapor
import WorkflowCore
#if canImport(Glibc)
import Glibc
#endif

/// `http/request`: any HTTP API. Private, loopback and link-local destinations are refused unless
/// `MUNIM_ALLOW_PRIVATE_HTTP` is set (server-side request forgery). The host is resolved and every
/// address checked before the request; redirects are not followed, so a public URL cannot bounce
/// the request inward.
enum HTTPNode {
    static let maxResponseBytes = 1 << 20

    static func run(_ ctx: StepContext) async throws -> NodeResult {
        let method = (ctx.string("method") ?? "GET").uppercased()
        guard ["GET", "POST", "PUT", "PATCH", "DELETE"].contains(method) else { throw NodeFailure.permanent("method \(method) is not allowed") }
        let urlText = try ctx.requireString("url")
        guard let url = URL(string: urlText), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
              let host = url.host, !host.isEmpty else {
            throw NodeFailure.permanent("url must be an absolute http(s) URL")
        }
        if !ctx.app.munimConfig.allowPrivateHTTP {
            let addresses = try resolve(host)
            guard !addresses.isEmpty else { throw NodeFailure.retryable("\(host) does not resolve") }
            if let blocked = addresses.first(where: isPrivate) {
                throw NodeFailure.permanent("\(host) resolves to a private address (\(blocked)); set MUNIM_ALLOW_PRIVATE_HTTP=true to allow it")
            }
        }
        var request = HTTPClientRequest(url: urlText)
        request.method = HTTPMethod(rawValue: method)
        for (k, v) in ctx.params["headers"]?.objectValue ?? [:] {
            guard !k.isEmpty, !k.contains(where: { $0 == "\r" || $0 == "\n" || $0 == ":" }) else {
                throw NodeFailure.permanent("header name \(k) is not valid")
            }
            let value = v.text
            guard !value.contains(where: { $0 == "\r" || $0 == "\n" }) else { throw NodeFailure.permanent("header \(k) has a line break") }
            request.headers.add(name: k, value: value)
        }
        request.headers.replaceOrAdd(name: "Idempotency-Key", value: ctx.idempotencyKey)
        if let body = ctx.params["body"], body != .null, method != "GET" {
            if request.headers.first(name: "Content-Type") == nil { request.headers.add(name: "Content-Type", value: "application/json") }
            request.body = .bytes(ByteBuffer(string: body.stringValue ?? body.compactJSON))
        }
        let response: HTTPClientResponse
        do {
            response = try await ctx.app.workflowHTTP.execute(request, timeout: .seconds(Int64(ctx.spec.defaultTimeoutSeconds)))
        } catch {
            throw NodeFailure.retryable("could not reach \(host): \(type(of: error))")
        }
        let bytes: ByteBuffer
        do { bytes = try await response.body.collect(upTo: maxResponseBytes) } catch {
            throw NodeFailure.permanent("the response is larger than \(maxResponseBytes / 1024) KB")
        }
        let status = Int(response.status.code)
        if status == 429 || status >= 500 { throw NodeFailure.retryable("\(host) answered HTTP \(status)") }
        let text = String(decoding: Data(buffer: bytes), as: UTF8.self)
        var headers: [String: JSONValue] = [:]
        for h in response.headers { headers[h.name.lowercased()] = .string(h.value) }
        let output: JSONValue = ["status": .int(Int64(status)), "headers": .object(headers), "body": .string(text),
                              "json": JSONValue.parse(json: text) ?? .null]
        // A 4xx is an answer, not a failure of the step: routers can branch on status.
        return NodeResult(output: output)
    }

    static func resolve(_ host: String) throws -> [String] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>? = nil
        guard getaddrinfo(host, nil, &hints, &result) == 0, let first = result else { return [] }
        defer { freeaddrinfo(result) }
        var out: [String] = []
        var p: UnsafeMutablePointer<addrinfo>? = first
        while let ai = p {
            var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            if getnameinfo(ai.pointee.ai_addr, ai.pointee.ai_addrlen, &buffer, socklen_t(buffer.count), nil, 0, NI_NUMERICHOST) == 0 {
                out.append(String(cString: buffer))
            }
            p = ai.pointee.ai_next
        }
        return out
    }

    /// Loopback, private (RFC 1918, ULA), link-local, CGNAT, unspecified and multicast addresses.
    static func isPrivate(_ address: String) -> Bool {
        let a = address.lowercased()
        if a.contains(":") {
            if a == "::1" || a == "::" { return true }
            if a.hasPrefix("fe8") || a.hasPrefix("fe9") || a.hasPrefix("fea") || a.hasPrefix("feb") { return true }
            if a.hasPrefix("fc") || a.hasPrefix("fd") || a.hasPrefix("ff") { return true }
            if a.hasPrefix("::ffff:") { return isPrivate(String(a.dropFirst(7))) }
            return false
        }
        let parts = a.split(separator: ".").compactMap { Int($0) }
        guard parts.count == 4 else { return true }
        switch (parts[0], parts[1]) {
        case (0, _), (10, _), (127, _): return true
        case (169, 254): return true
        case (172, 16...31): return true
        case (192, 168): return true
        case (100, 64...127): return true
        case (224...255, _): return true
        default: return false
        }
    }
}

extension Application {
    private struct WorkflowHTTPKey: StorageKey { typealias Value = HTTPClient }

    /// The http node's client: no redirects (see `HTTPNode`). Shut down with the application.
    var workflowHTTP: HTTPClient {
        get { storage[WorkflowHTTPKey.self] ?? http.client.shared }
        set { storage[WorkflowHTTPKey.self] = newValue }
    }
}
