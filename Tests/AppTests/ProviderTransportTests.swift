@testable import App
import AsyncHTTPClient
import Foundation
import Testing

/// The one provider transport and error (issue 15 §2).
@Suite("Provider transport")
struct ProviderTransportTests {
    /// The texts people read (channel status, job errors, run steps) are what each client wrote
    /// before the transport was shared.
    @Test func errorTextsKeepEachProvidersWording() {
        #expect(ProviderError(.twilio, status: 400, code: 21211, message: "Invalid 'To' Phone Number").description
                == "Twilio 400 (21211): Invalid 'To' Phone Number")
        #expect(ProviderError(.twilio, status: nil, message: "could not reach Twilio (X)").description == "Twilio unreachable: could not reach Twilio (X)")
        #expect(ProviderError(.razorpay, status: 400, code: "BAD_REQUEST_ERROR", message: "bad").description == "Razorpay 400 BAD_REQUEST_ERROR: bad")
        #expect(ProviderError(.shiprocket, status: 422, message: "no pincode").description == "Shiprocket 422: no pincode")
        #expect(ProviderError(.google, status: nil, message: "x").description == "Google unreachable: x")
        #expect(ProviderError(.bluesky, status: 400, code: "ExpiredToken", message: "Token has expired", operation: "chat.bsky.convo.listConvos")
                    .description == "Bluesky chat.bsky.convo.listConvos failed with HTTP 400 (ExpiredToken): Token has expired")
        #expect(ProviderError(.mastodon, status: 422, message: "Validation failed", operation: "/api/v1/statuses").description
                == "Mastodon /api/v1/statuses failed with HTTP 422: Validation failed")
        let graph = ProviderError(.instagram, status: 500, code: 2, message: "An unexpected error has occurred.", operation: "create media container",
                                  subcode: 99, traceID: "AbC")
        #expect(graph.description == "Instagram create media container failed with HTTP 500 (code 2, subcode 99): An unexpected error has occurred. [fbtrace_id AbC]")
        #expect(ProviderError(.openAI, status: 500, message: "chat completion failed with HTTP 500").description == "chat completion failed with HTTP 500")
    }

    @Test func retryableAndUnanswered() {
        #expect(ProviderError(.twilio, status: 429, message: "").retryable)
        #expect(ProviderError(.twilio, status: 503, message: "").retryable)
        #expect(!ProviderError(.twilio, status: 400, message: "").retryable)
        #expect(ProviderError(.twilio, status: nil, message: "").retryable)
        #expect(ProviderError(.twilio, status: nil, message: "").unanswered)
        // Refused locally before sending: not "no answer".
        #expect(!ProviderError(.bluesky, status: nil, code: "TextTooLong", message: "").unanswered)
        #expect(ProviderError(.instagram, status: 400, code: 190, message: "").isInvalidToken)
        #expect(!ProviderError(.bluesky, status: 400, code: 190, message: "").isInvalidToken)
        #expect(ProviderError(.bluesky, status: 400, code: "ExpiredToken", message: "").isExpiredToken)
    }

    /// Logged URLs lose their query (Graph's token travels there) and user info.
    @Test func loggedURLsCarryNoSecrets() {
        #expect(ProviderTransport.redacted("https://graph.facebook.com/v21.0/123/media?access_token=SECRET&x=1") == "https://graph.facebook.com/v21.0/123/media")
        #expect(ProviderTransport.redacted("https://user:pass@example.com/path?q=1") == "https://example.com/path")
        #expect(ProviderTransport.query([("a b", "c&d"), ("é", "~")]) == "a%20b=c%26d&%C3%A9=~")
    }

    /// No answer: every allowed attempt is made (with a backoff between them), then one
    /// `ProviderError` with no status and the provider's wording, naming only the error's type.
    @Test func noAnswerAfterTheRetries() async throws {
        let port = try Self.closedPort()
        let transport = ProviderTransport(http: .shared, provider: .twilio, timeout: .seconds(5))
        let started = ContinuousClock.now
        do {
            _ = try await transport.send(.init(method: .GET, url: "http://127.0.0.1:\(port)/x?token=SECRET", retries: 2))
            Issue.record("a closed port answered")
        } catch let e as ProviderError {
            #expect(e.provider == .twilio && e.status == nil && e.unanswered)
            #expect(e.message.hasPrefix("could not reach Twilio ("))
            #expect(!e.description.contains("SECRET") && !e.description.contains("127.0.0.1"))
        }
        // Two backoffs of at least 75 ms and 150 ms lie between the three attempts.
        #expect(ContinuousClock.now - started >= .milliseconds(225))
    }

    /// A loopback port nothing listens on: bound, then closed.
    static func closedPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard bound else { throw ProviderError(.twilio, status: nil, message: "could not bind a test port") }
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}
