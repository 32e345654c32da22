import Fluent
import Foundation
import Vapor

/// Bluesky, Mastodon/Pixelfed and Instagram behind the channel adapter shape (issue 4 §6).
enum SocialAdapters {
    static func send(_ app: Application, channel: Channel, creds: ChannelCredentials, item: OutboxItem) async throws -> ChannelAdapters.SendResult {
        throw ChannelAdapters.SendFailure(retryable: false, code: nil, message: "pending")
    }

    static func verify(_ ctx: JobContext, channel: Channel, creds: ChannelCredentials) async throws {
    }

    static func poll(_ ctx: JobContext, channel: Channel, creds: ChannelCredentials) async throws {
    }
}
