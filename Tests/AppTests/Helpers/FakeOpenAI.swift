@testable import App
import Foundation
import Testing
import Vapor

/// A local server that speaks the OpenAI wire format (chat completions and audio transcriptions),
/// records every request body, and answers from a script (DESIGN §8).
final class FakeOpenAI: @unchecked Sendable {
    private let lock = NSLock()
    private var _chatBodies: [Data] = []
    private var _transcriptionForms: [[String: String]] = []
    private var _authorization: [String] = []
    private var _transcriptionAuth: [String?] = []
    private var _transcriptionFailures: [UInt] = []
    private var script: [(status: UInt, content: String)] = []
    var transcript = "sold 2 bags cement to Ramesh at 350, paid 500"
    private(set) var app: Application!
    private(set) var baseURL = ""

    var chatBodies: [Data] { lock.withLock { _chatBodies } }
    var transcriptionForms: [[String: String]] { lock.withLock { _transcriptionForms } }
    var authorizations: [String] { lock.withLock { _authorization } }
    /// The Authorization header of each transcription request (nil when none was sent).
    var transcriptionAuthorizations: [String?] { lock.withLock { _transcriptionAuth } }

    /// Statuses the next transcription requests answer with (e.g. [500, 500]).
    func failTranscriptions(_ statuses: [UInt]) { lock.withLock { _transcriptionFailures.append(contentsOf: statuses) } }

    /// Queue replies: HTTP status and the assistant message content (a JSON document).
    func enqueue(status: UInt = 200, content: String) { lock.withLock { script.append((status, content)) } }

    private func next() -> (UInt, String) {
        lock.withLock { script.isEmpty ? (500, "") : script.removeFirst() }
    }

    struct TranscriptionForm: Content {
        var file: File
        var model: String
        var language: String?
        var response_format: String?
    }

    func start() async throws {
        let app = try await Application.make(.testing)
        app.http.server.configuration.hostname = "127.0.0.1"
        app.http.server.configuration.port = 0
        app.routes.defaultMaxBodySize = "12mb"
        app.post("v1", "chat", "completions") { [self] req async throws -> Response in
            let body = req.body.data.map { Data(buffer: $0) } ?? Data()
            lock.withLock {
                _chatBodies.append(body)
                _authorization.append(req.headers.first(name: .authorization) ?? "")
            }
            let (status, content) = next()
            guard status == 200 else { return Response(status: HTTPResponseStatus(statusCode: Int(status)), body: .init(string: #"{"error":{"message":"boom","type":"server_error"}}"#)) }
            let reply: [String: Any] = [
                "id": "chatcmpl-test", "object": "chat.completion", "created": 1_795_000_000, "model": "gpt-4o-mini",
                "choices": [["index": 0, "finish_reason": "stop", "logprobs": NSNull(),
                             "message": ["role": "assistant", "content": content, "refusal": NSNull()]]],
                "usage": ["prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20],
            ]
            let res = Response(status: .ok, body: .init(data: try JSONSerialization.data(withJSONObject: reply)))
            res.headers.contentType = .json
            return res
        }
        app.post("v1", "audio", "transcriptions") { [self] req async throws -> Response in
            let form = try req.content.decode(TranscriptionForm.self)
            var fields = ["file": "<\(form.file.filename), \(form.file.data.readableBytes) bytes>", "model": form.model]
            if let l = form.language { fields["language"] = l }
            if let f = form.response_format { fields["response_format"] = f }
            let failure: UInt? = lock.withLock {
                _transcriptionForms.append(fields)
                _transcriptionAuth.append(req.headers.first(name: .authorization))
                return _transcriptionFailures.isEmpty ? nil : _transcriptionFailures.removeFirst()
            }
            if let failure {
                return Response(status: HTTPResponseStatus(statusCode: Int(failure)), body: .init(string: #"{"error":{"message":"boom","type":"server_error"}}"#))
            }
            let res = Response(status: .ok, body: .init(string: "{\"text\": \"\(transcript)\"}"))
            res.headers.contentType = .json
            return res
        }
        try await app.server.start(address: .hostname("127.0.0.1", port: 0))
        let port = try #require(app.http.server.shared.localAddress?.port)
        self.app = app
        baseURL = "http://127.0.0.1:\(port)/v1"
    }

    func stop() async throws {
        await app.server.shutdown()
        try await app.asyncShutdown()
    }

    /// Validates recorded bodies against the official OpenAI document with scripts/check-openai-request.py.
    static func validate(_ bodies: [Data], schema: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        guard !bodies.isEmpty else { Issue.record("no requests recorded", sourceLocation: sourceLocation); return }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("openai-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var paths: [String] = []
        for (i, b) in bodies.enumerated() {
            let p = dir.appendingPathComponent("\(i).json").path
            try b.write(to: URL(fileURLWithPath: p))
            paths.append(p)
        }
        let spec = URL(fileURLWithPath: repositoryRoot).deletingLastPathComponent().appendingPathComponent("shared/specs/openai_openapi.yaml").path
        let output = try await PostgresCluster.run("/usr/bin/env", ["python3", repositoryRoot + "/scripts/check-openai-request.py", spec, schema] + paths)
        #expect(output.contains("valid \(schema)"), sourceLocation: sourceLocation)
    }
}
