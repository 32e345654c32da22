import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// A small client for an OpenAI-compatible API: chat completions with a strict JSON schema, and
/// audio transcriptions (DESIGN §8). The base URL is configurable so tests point it at a local
/// fake server that speaks the same wire format.
struct OpenAIClient: Sendable {
    let transport: ProviderTransport
    let baseURL: String
    let apiKey: String

    typealias Failure = ProviderError

    // MARK: chat completions

    struct ChatMessage: Codable, Sendable {
        let role: String
        let content: String
    }

    struct JSONSchemaFormat: Encodable, Sendable {
        let name: String
        let strict: Bool
        let schema: JSONValue
    }

    struct ResponseFormat: Encodable, Sendable {
        let type: String
        let json_schema: JSONSchemaFormat
    }

    struct ChatRequest: Encodable, Sendable {
        let model: String
        let messages: [ChatMessage]
        let response_format: ResponseFormat
        let temperature: Double
    }

    struct ChatResponse: Decodable, Sendable {
        struct Choice: Decodable, Sendable {
            struct Message: Decodable, Sendable {
                let content: String?
                let refusal: String?
            }
            let message: Message
        }
        let choices: [Choice]
    }

    /// Sends one chat completion and returns the assistant message's content (a JSON document,
    /// per the schema). One retry on a network error, a timeout or a 5xx/429.
    func completeJSON(model: String, system: String, user: String, schemaName: String, schema: JSONValue) async throws -> String {
        let body = ChatRequest(
            model: model,
            messages: [ChatMessage(role: "system", content: system), ChatMessage(role: "user", content: user)],
            response_format: ResponseFormat(type: "json_schema", json_schema: JSONSchemaFormat(name: schemaName, strict: true, schema: schema)),
            temperature: 0)
        let data = try JSONEncoder().encode(body)
        let (status, bytes) = try await send(path: "/chat/completions", contentType: "application/json", body: data)
        guard (200..<300).contains(status) else { throw Failure(.openAI, status: status, message: "chat completion failed with HTTP \(status)") }
        let decoded = try JSONDecoder().decode(ChatResponse.self, from: bytes)
        guard let message = decoded.choices.first?.message else { throw Failure(.openAI, status: nil, message: "no choices in the reply") }
        if let refusal = message.refusal { throw Failure(.openAI, status: nil, message: "the model refused: \(refusal.prefix(200))") }
        guard let content = message.content, !content.isEmpty else { throw Failure(.openAI, status: nil, message: "empty reply") }
        return content
    }

    // MARK: transcription

    struct TranscriptionResponse: Decodable, Sendable {
        let text: String
    }

    func transcribe(audio: Data, filename: String, contentType: String, model: String, language: String?) async throws -> String {
        let boundary = "munim-\(UUID().uuidString)"
        var body = Data()
        func field(_ name: String, _ value: String) {
            body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8))
        }
        body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(filename)\"\r\nContent-Type: \(contentType)\r\n\r\n".utf8))
        body.append(audio)
        body.append(Data("\r\n".utf8))
        field("model", model)
        if let language { field("language", language) }
        field("response_format", "json")
        body.append(Data("--\(boundary)--\r\n".utf8))
        let (status, bytes) = try await send(path: "/audio/transcriptions", contentType: "multipart/form-data; boundary=\(boundary)", body: body)
        guard (200..<300).contains(status) else { throw Failure(.openAI, status: status, message: "transcription failed with HTTP \(status)") }
        return try JSONDecoder().decode(TranscriptionResponse.self, from: bytes).text
    }

    // MARK: transport

    /// One retry on a network error, a timeout, a 5xx or a 429.
    private func send(path: String, contentType: String, body: Data) async throws -> (Int, Data) {
        // A self-hosted speech-to-text server may need no key: then no Authorization header.
        let headers = (apiKey.isEmpty ? [] : [("Authorization", "Bearer \(apiKey)")]) + [("Content-Type", contentType)]
        let reply = try await transport.send(ProviderTransport.Request(
            method: .POST, url: baseURL + path, headers: headers,
            body: body, retries: 1, retryOn429: true, operation: path))
        return (reply.status, reply.body)
    }

}
