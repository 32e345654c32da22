import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import Vapor

/// Every provider client is built here, from configuration and credentials (issue 15 §2): one
/// place decides each provider's base URL, timeout and transport. Tests build the same clients
/// with `Providers(http:config:)` and a configuration pointed at the local fakes.
struct Providers: Sendable {
    let http: HTTPClient
    let config: AppConfig
    let tokens: ProviderTokenCache
    var logger: Logger = Logger(label: "munim.provider")

    func transport(_ provider: Provider, timeout: TimeAmount? = nil) -> ProviderTransport {
        ProviderTransport(http: http, provider: provider, timeout: timeout ?? config.providerTimeoutSeconds.map { .seconds(Int64($0)) },
                          logger: logger)
    }

    // MARK: messaging

    func twilio(accountSID: String, authToken: String) -> TwilioClient {
        TwilioClient(transport: transport(.twilio), baseURL: config.twilioAPIURL, accountSID: accountSID, authToken: authToken)
    }

    func bluesky(serviceURL: String?) -> BlueskyClient {
        BlueskyClient(transport: transport(.bluesky), serviceURL: serviceURL ?? config.blueskyServiceURL)
    }

    func mastodon(instanceURL: String, accessToken: String) -> MastodonClient {
        MastodonClient(transport: transport(.mastodon), instanceURL: instanceURL, accessToken: accessToken)
    }

    func instagram(graphURL: String?, accountID: String, accessToken: String) -> InstagramClient {
        InstagramClient(transport: transport(.instagram), graphURL: graphURL ?? config.instagramGraphURL, accountID: accountID,
                        accessToken: accessToken)
    }

    // MARK: the LLM

    /// What the LLM is asked for; each use has its own timeout rule, written once here.
    enum LLMUse: Sendable {
        /// The assistant's parse of one sentence: the configured timeout (a person is waiting).
        case parse
        /// A workflow's LLM node or the architect drafting a blueprint: at least 30 s.
        case drafting
        /// A voice note's transcription: three times the configured timeout.
        case transcription

        func timeout(_ config: AppConfig) -> TimeAmount {
            switch self {
            case .parse: return .seconds(Int64(config.llmTimeoutSeconds))
            case .drafting: return .seconds(Int64(max(config.llmTimeoutSeconds, 30)))
            case .transcription: return .seconds(Int64(config.llmTimeoutSeconds * 3))
            }
        }
    }

    /// The OpenAI-compatible client, or nil when no key is configured. Transcription uses the
    /// speech-to-text settings (`MUNIM_STT_*`) where they are set, and needs no key when they are.
    func openAI(_ use: LLMUse) -> OpenAIClient? {
        if case .transcription = use, let stt = config.sttBaseURL {
            return OpenAIClient(transport: transport(.openAI, timeout: use.timeout(config)), baseURL: stt, apiKey: config.sttAPIKey ?? "")
        }
        if case .transcription = use, let key = config.sttAPIKey ?? config.openAIKey {
            return OpenAIClient(transport: transport(.openAI, timeout: use.timeout(config)), baseURL: config.openAIBaseURL, apiKey: key)
        }
        guard let key = config.openAIKey else { return nil }
        return OpenAIClient(transport: transport(.openAI, timeout: use.timeout(config)), baseURL: config.openAIBaseURL, apiKey: key)
    }

    // MARK: workflow services

    func razorpay(keyID: String, keySecret: String) -> RazorpayClient {
        RazorpayClient(transport: transport(.razorpay), baseURL: config.razorpayAPIURL, keyID: keyID, keySecret: keySecret)
    }

    func shiprocket(email: String, password: String) -> ShiprocketClient {
        ShiprocketClient(transport: transport(.shiprocket), baseURL: config.shiprocketAPIURL, email: email, password: password, tokens: tokens)
    }

    func sheets(account: GoogleServiceAccount) -> GoogleSheetsClient {
        GoogleSheetsClient(transport: transport(.google), sheetsURL: config.googleSheetsURL, tokenURL: account.token_uri ?? config.googleTokenURL,
                           account: account, tokens: tokens)
    }
}

extension Application {
    /// The provider clients of this process (one shared HTTP client and token cache).
    var providers: Providers {
        Providers(http: http.client.shared, config: munimConfig, tokens: providerTokens, logger: logger)
    }
}
