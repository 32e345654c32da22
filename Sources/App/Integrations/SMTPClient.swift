import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// Where Munim sends email (`MUNIM_SMTP_URL`, issue 19 §1): `smtp://user:password@host:587` uses
/// STARTTLS when the server offers it, `smtps://…:465` speaks TLS from the first byte. A password
/// is never sent over an unencrypted connection to anything but a loopback address.
public struct SMTPSettings: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var implicitTLS: Bool
    public var username: String?
    public var password: String?
    /// The From address (`MUNIM_SMTP_FROM`, else the user name when it is an address).
    public var from: String

    /// Reads `smtp://` or `smtps://` URLs; nil with the reason for anything else.
    public struct Invalid: Error, Sendable {
        public let problem: String
        init(_ problem: String) { self.problem = problem }
    }

    public static func parse(_ raw: String, from: String?) -> Result<SMTPSettings, Invalid> {
        guard let url = URLComponents(string: raw), let scheme = url.scheme?.lowercased(), ["smtp", "smtps"].contains(scheme),
              let host = url.host, !host.isEmpty else {
            return .failure(Invalid("must look like smtp://user:password@host:587 or smtps://user:password@host:465"))
        }
        let implicit = scheme == "smtps"
        let port = url.port ?? (implicit ? 465 : 587)
        guard (1...65_535).contains(port) else { return .failure(Invalid("has a port outside 1–65535")) }
        let user = url.percentEncodedUser?.removingPercentEncoding.flatMap { $0.isEmpty ? nil : $0 }
        let password = url.percentEncodedPassword?.removingPercentEncoding
        let sender = from?.trimmingCharacters(in: .whitespaces) ?? ""
        let address = !sender.isEmpty ? sender : (user?.contains("@") == true ? user! : "munim@\(host)")
        guard SMTPClient.isSafeAddress(address) else { return .failure(Invalid("has a From address that is not an email address (MUNIM_SMTP_FROM)")) }
        return .success(SMTPSettings(host: host, port: port, implicitTLS: implicit, username: user, password: password, from: address))
    }
}

/// A small SMTP client (RFC 5321) on SwiftNIO: one message per connection, EHLO, STARTTLS when
/// offered, AUTH PLAIN, MAIL/RCPT/DATA, QUIT. The body goes as base64 UTF-8 text, so Hindi
/// arrives intact and no line needs dot-stuffing.
struct SMTPClient: Sendable {
    let settings: SMTPSettings
    let group: any EventLoopGroup
    /// The whole conversation's limit; the connection is closed when it passes.
    var timeout: TimeAmount = .seconds(30)

    struct Failure: Error, CustomStringConvertible, Sendable {
        let description: String
        /// A refused connection, a timeout or a 4xx reply: worth trying again later.
        let retryable: Bool
    }

    struct Reply: Sendable {
        let code: Int
        let text: String
    }

    /// An address fit for a header and an SMTP command: no line breaks, brackets or spaces.
    static func isSafeAddress(_ s: String) -> Bool {
        let parts = s.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && !parts[1].isEmpty && s.count <= 254
            && !s.contains(where: { $0.isWhitespace || $0.isNewline || "<>\",;:()[]\\".contains($0) })
    }

    /// The message as it goes after DATA (without the final dot).
    static func message(from: String, to: String, subject: String, text: String, date: Date, id: String) -> String {
        func encodedWord(_ s: String) -> String {
            s.allSatisfy { $0.isASCII && !$0.isNewline } ? s : "=?UTF-8?B?\(Data(s.utf8).base64EncodedString())?="
        }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        let body = Data(text.utf8).base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
        return [
            "From: Munim <\(from)>", "To: <\(to)>", "Subject: \(encodedWord(subject))", "Date: \(formatter.string(from: date))",
            "Message-ID: <\(id)@munim>", "MIME-Version: 1.0", "Content-Type: text/plain; charset=UTF-8",
            "Content-Transfer-Encoding: base64", "", body,
        ].joined(separator: "\r\n")
    }

    func send(to recipient: String, subject: String, text: String, date: Date) async throws {
        guard Self.isSafeAddress(recipient) else { throw Failure(description: "not an email address: \(recipient)", retryable: false) }
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: Reply.self)
        let host = settings.host, implicit = settings.implicitTLS
        let tls = implicit ? try NIOSSLContext(configuration: .makeClientConfiguration()) : nil
        let channel: any NIOCore.Channel
        do {
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(.seconds(10))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if let tls {
                            try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: tls, serverHostname: Self.sniName(host)))
                        }
                        try channel.pipeline.syncOperations.addHandler(ReplyReader(continuation))
                    }
                }
                .connect(host: host, port: settings.port).get()
        } catch {
            throw Failure(description: "could not connect to the mail server \(host):\(settings.port) (\(error))", retryable: true)
        }
        let deadline = channel.eventLoop.scheduleTask(in: timeout) { channel.close(promise: nil) }
        defer {
            deadline.cancel()
            channel.close(promise: nil)
        }
        var replies = stream.makeAsyncIterator()

        func next(_ expected: ClosedRange<Int>, _ what: String) async throws -> Reply {
            let reply: Reply?
            do { reply = try await replies.next() } catch {
                throw Failure(description: "the mail server connection failed during \(what) (\(error))", retryable: true)
            }
            guard let reply else { throw Failure(description: "the mail server closed the connection during \(what)", retryable: true) }
            guard expected.contains(reply.code) else {
                throw Failure(description: "the mail server answered \(reply.code) to \(what): \(reply.text)", retryable: (400...499).contains(reply.code))
            }
            return reply
        }
        func say(_ line: String) async throws {
            try await channel.writeAndFlush(ByteBuffer(string: line + "\r\n")).get()
        }

        _ = try await next(220...220, "the greeting")
        try await say("EHLO munim")
        var hello = try await next(250...250, "EHLO")
        var encrypted = implicit
        if !encrypted, hello.text.uppercased().split(whereSeparator: \.isNewline).contains(where: { $0.hasPrefix("STARTTLS") }) {
            try await say("STARTTLS")
            _ = try await next(220...220, "STARTTLS")
            let tls = try NIOSSLContext(configuration: .makeClientConfiguration())
            try await channel.eventLoop.submit {
                try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: tls, serverHostname: Self.sniName(host)),
                                                               position: .first)
            }.get()
            encrypted = true
            try await say("EHLO munim")
            hello = try await next(250...250, "EHLO after STARTTLS")
        }
        if let user = settings.username {
            guard encrypted || Self.isLoopback(host) else {
                throw Failure(description: "the mail server \(host) offers no TLS; Munim will not send the SMTP password in clear text (use smtps://)", retryable: false)
            }
            let token = Data("\0\(user)\0\(settings.password ?? "")".utf8).base64EncodedString()
            try await say("AUTH PLAIN \(token)")
            _ = try await next(235...235, "the login (AUTH PLAIN)")
        }
        try await say("MAIL FROM:<\(settings.from)>")
        _ = try await next(250...250, "MAIL FROM")
        try await say("RCPT TO:<\(recipient)>")
        _ = try await next(250...251, "RCPT TO")
        try await say("DATA")
        _ = try await next(354...354, "DATA")
        let message = Self.message(from: settings.from, to: recipient, subject: subject, text: text, date: date,
                                   id: UUID().uuidString.lowercased())
        try await say(message + "\r\n.")
        _ = try await next(250...250, "the message")
        try? await say("QUIT")
    }

    static func sniName(_ host: String) -> String? {
        host.allSatisfy { $0.isNumber || $0 == "." || $0 == ":" } ? nil : host
    }

    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    /// Splits the server's bytes into replies: `250-…` lines continue, `250 …` ends one. Lines are
    /// capped at 2 KB and replies at 64 lines, so a hostile server cannot grow memory.
    final class ReplyReader: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        private let continuation: AsyncThrowingStream<Reply, any Error>.Continuation
        private var line: [UInt8] = []
        private var lines: [String] = []

        init(_ continuation: AsyncThrowingStream<Reply, any Error>.Continuation) { self.continuation = continuation }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let buffer = unwrapInboundIn(data)
            for byte in buffer.readableBytesView {
                if byte == UInt8(ascii: "\n") {
                    finishLine(context)
                } else if byte != UInt8(ascii: "\r") {
                    guard line.count < 2048 else { return fail(context, "a reply line longer than 2 KB") }
                    line.append(byte)
                }
            }
        }

        private func finishLine(_ context: ChannelHandlerContext) {
            let text = String(decoding: line, as: UTF8.self)
            line.removeAll(keepingCapacity: true)
            let bytes = Array(text.utf8)
            guard bytes.count >= 3, let code = Int(String(decoding: bytes[0..<3], as: UTF8.self)) else {
                return fail(context, "a reply that is not SMTP: \(text.prefix(80))")
            }
            lines.append(bytes.count > 4 ? String(decoding: bytes[4...], as: UTF8.self) : "")
            guard lines.count <= 64 else { return fail(context, "a reply of more than 64 lines") }
            if bytes.count == 3 || bytes[3] != UInt8(ascii: "-") {
                continuation.yield(Reply(code: code, text: lines.joined(separator: "\n")))
                lines.removeAll()
            }
        }

        private func fail(_ context: ChannelHandlerContext, _ why: String) {
            continuation.finish(throwing: Failure(description: "the mail server sent \(why)", retryable: true))
            context.close(promise: nil)
        }

        func channelInactive(context: ChannelHandlerContext) {
            continuation.finish()
            context.fireChannelInactive()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            continuation.finish(throwing: error)
            context.close(promise: nil)
        }
    }
}
