@testable import App
import Foundation
import Testing

/// The channel adapter shape (issue 15 §2) and the media download voice notes build on.
@Suite("Channel adapters")
struct ChannelAdapterTests {
    /// A new kind of channel cannot be added without its adapter, nor have two.
    @Test func everyChannelKindHasExactlyOneAdapter() {
        for kind in ChannelKind.allCases {
            #expect(ChannelAdapters.all.filter { $0.kind == kind }.count == 1, "\(kind)")
        }
        #expect(ChannelAdapters.all.count == ChannelKind.allCases.count)
    }

    /// Twilio media: fetched with the account's Basic credentials, capped, and never sent to a
    /// host other than Twilio's API.
    @Test func twilioMediaIsFetchedWithTheAccountsCredentials() async throws {
        let fake = FakeTwilio()
        try await fake.start()
        do {
            try await checkMedia(fake)
        } catch {
            try await fake.stop()
            throw error
        }
        try await fake.stop()
    }

    private func checkMedia(_ fake: FakeTwilio) async throws {
        let transport = ProviderTransport(http: .shared, provider: .twilio, timeout: .seconds(30))
        let client = TwilioClient(transport: transport, baseURL: fake.baseURL, accountSID: FakeTwilio.accountSID, authToken: FakeTwilio.authToken)
        let audio = Data((0..<50_000).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        let url = fake.addMedia(audio, contentType: "audio/ogg")

        let fetched = try await client.fetchMedia(url: url, maxBytes: 1 << 20)
        #expect(fetched.data == audio)
        #expect(fetched.contentType == "audio/ogg")

        // Wrong credentials: Twilio's 401, not retried.
        let wrong = TwilioClient(transport: transport, baseURL: fake.baseURL, accountSID: FakeTwilio.accountSID, authToken: String(repeating: "0", count: 32))
        let before = fake.mediaRequests
        await #expect { try await wrong.fetchMedia(url: url, maxBytes: 1 << 20) } throws: { error in
            guard let e = error as? ProviderError else { return false }
            return e.status == 401 && e.code == "20003" && !e.retryable
        }
        #expect(fake.mediaRequests == before + 1)

        // Larger than the cap: refused with the status the provider gave, not retried.
        await #expect { try await client.fetchMedia(url: url, maxBytes: 10_000) } throws: { error in
            guard let e = error as? ProviderError else { return false }
            return e.status == 200 && !e.retryable && e.message.contains("larger than 9 KB")
        }
        #expect(fake.mediaRequests == before + 2)

        // Another host: the credentials are not sent anywhere.
        for foreign in [url.replacingOccurrences(of: "127.0.0.1", with: "evil.example"), "https://evil.example/x", "not a url"] {
            await #expect { try await client.fetchMedia(url: foreign, maxBytes: 1 << 20) } throws: { error in
                (error as? ProviderError)?.code == "ForeignMediaURL" && (error as? ProviderError)?.retryable == false
            }
        }
        #expect(fake.mediaRequests == before + 2)
    }
}
