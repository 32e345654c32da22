import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A mail server on loopback that speaks enough SMTP (RFC 5321) for Munim's client: greeting,
/// EHLO, AUTH PLAIN, MAIL/RCPT/DATA, QUIT. It keeps what it received; `failRecipients` answers
/// 451 (try later) to that many RCPT commands first.
final class FakeSMTP: @unchecked Sendable {
    struct Mail: Sendable {
        let from: String
        let to: [String]
        let data: String
        let auth: String?

        /// The decoded text body (Munim sends base64 UTF-8).
        var text: String {
            guard let split = data.range(of: "\r\n\r\n") else { return "" }
            let b64 = data[split.upperBound...].replacingOccurrences(of: "\r\n", with: "")
            return String(decoding: Data(base64Encoded: b64) ?? Data(), as: UTF8.self)
        }

        func header(_ name: String) -> String? {
            data.components(separatedBy: "\r\n").first { $0.lowercased().hasPrefix(name.lowercased() + ":") }
                .map { String($0.dropFirst(name.count + 1)).trimmingCharacters(in: .whitespaces) }
        }
    }

    private let lock = NIOLock()
    private var _mails: [Mail] = []
    private var _failRecipients = 0
    var mails: [Mail] { lock.withLock { _mails } }
    var failRecipients: Int {
        get { lock.withLock { _failRecipients } }
        set { lock.withLock { _failRecipients = newValue } }
    }

    private var channel: (any Channel)?
    private(set) var port = 0

    func start() async throws {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(Session(self)) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        channel = server
        port = server.localAddress?.port ?? 0
    }

    func stop() async throws { try await channel?.close() }

    fileprivate func received(_ mail: Mail) { lock.withLock { _mails.append(mail) } }

    fileprivate func shouldFailRecipient() -> Bool {
        lock.withLock {
            guard _failRecipients > 0 else { return false }
            _failRecipients -= 1
            return true
        }
    }

    final class Session: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let server: FakeSMTP
        var line: [UInt8] = []
        var inData = false
        var data: [String] = []
        var from = ""
        var to: [String] = []
        var auth: String?

        init(_ server: FakeSMTP) { self.server = server }

        func channelActive(context: ChannelHandlerContext) {
            say(context, "220 fake.smtp ESMTP ready")
        }

        func say(_ context: ChannelHandlerContext, _ text: String) {
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: text + "\r\n")), promise: nil)
        }

        func channelRead(context: ChannelHandlerContext, data bytes: NIOAny) {
            for b in unwrapInboundIn(bytes).readableBytesView {
                if b == UInt8(ascii: "\n") {
                    if line.last == UInt8(ascii: "\r") { line.removeLast() }
                    let text = String(decoding: line, as: UTF8.self)
                    line.removeAll()
                    handle(context, text)
                } else {
                    line.append(b)
                }
            }
        }

        func handle(_ context: ChannelHandlerContext, _ text: String) {
            if inData {
                if text == "." {
                    inData = false
                    server.received(Mail(from: from, to: to, data: data.joined(separator: "\r\n"), auth: auth))
                    data = []
                    say(context, "250 2.0.0 queued")
                } else {
                    data.append(text.hasPrefix("..") ? String(text.dropFirst()) : text)
                }
                return
            }
            let upper = text.uppercased()
            if upper.hasPrefix("EHLO") {
                say(context, "250-fake.smtp greets you\r\n250-SIZE 1000000\r\n250 AUTH PLAIN")
            } else if upper.hasPrefix("AUTH PLAIN ") {
                auth = String(decoding: Data(base64Encoded: String(text.dropFirst(11))) ?? Data(), as: UTF8.self)
                say(context, "235 2.7.0 accepted")
            } else if upper.hasPrefix("MAIL FROM:") {
                from = String(text.dropFirst(10)).trimmingCharacters(in: CharacterSet(charactersIn: "<> "))
                to = []
                say(context, "250 OK")
            } else if upper.hasPrefix("RCPT TO:") {
                if server.shouldFailRecipient() {
                    say(context, "451 4.3.0 try again later")
                } else {
                    to.append(String(text.dropFirst(8)).trimmingCharacters(in: CharacterSet(charactersIn: "<> ")))
                    say(context, "250 OK")
                }
            } else if upper == "DATA" {
                guard !to.isEmpty else { return say(context, "503 no recipient") }
                inData = true
                say(context, "354 end with a dot")
            } else if upper == "QUIT" {
                say(context, "221 bye")
                context.close(promise: nil)
            } else {
                say(context, "502 not implemented")
            }
        }
    }
}
