import Crypto
import Foundation
import Vapor

/// Encrypts secrets at rest (DESIGN §8): AES-GCM with the key from `MUNIM_SECRET_KEY` (64 hex
/// characters) or, when unset, a key generated on first start into `<data dir>/secret.key` with
/// mode 0600. Sealed values are `v1:<base64 nonce|ciphertext|tag>`, so a future key rotation can
/// add `v2:` without guessing.
public struct Vault: Sendable {
    /// Kept as bytes (SymmetricKey is not Sendable); the key object is made per use.
    private let keyBytes: Data
    private var key: SymmetricKey { SymmetricKey(data: keyBytes) }

    public init(key: SymmetricKey) { self.keyBytes = key.withUnsafeBytes { Data($0) } }

    public struct Failure: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    /// HMAC-SHA256 of `message` under a key derived from the vault key for `purpose` (hex). For
    /// signed links: the vault key itself never signs anything directly.
    public func signature(_ message: String, purpose: String) -> String {
        let derived = HKDF<SHA256>.deriveKey(inputKeyMaterial: key, info: Data(purpose.utf8), outputByteCount: 32)
        return HMAC<SHA256>.authenticationCode(for: Data(message.utf8), using: derived).map { String(format: "%02x", $0) }.joined()
    }

    public func seal(_ plaintext: String) throws -> String {
        let box = try AES.GCM.seal(Data(plaintext.utf8), using: key)
        guard let combined = box.combined else { throw Failure(description: "could not encode a sealed box") }
        return "v1:" + combined.base64EncodedString()
    }

    public func open(_ sealed: String) throws -> String {
        guard sealed.hasPrefix("v1:"), let data = Data(base64Encoded: String(sealed.dropFirst(3))) else {
            throw Failure(description: "not a sealed value")
        }
        do {
            let box = try AES.GCM.SealedBox(combined: data)
            return String(decoding: try AES.GCM.open(box, using: key), as: UTF8.self)
        } catch {
            // Never include the value: a wrong key is the usual cause.
            throw Failure(description: "a stored secret could not be decrypted (was MUNIM_SECRET_KEY changed?)")
        }
    }

    public func seal<T: Encodable>(json value: T) throws -> String {
        try seal(String(decoding: try JSONEncoder().encode(value), as: UTF8.self))
    }

    public func open<T: Decodable>(json sealed: String, as type: T.Type) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(try open(sealed).utf8))
    }

    /// The configured key, or the generated one in the data directory (created when missing).
    public static func load(config: AppConfig) throws -> Vault {
        if let hex = config.secretKeyHex {
            return Vault(key: SymmetricKey(data: Self.bytes(hex: hex)!))
        }
        let path = (config.dataDirectory as NSString).appendingPathComponent("secret.key")
        let fm = FileManager.default
        if let text = fm.contents(atPath: path).map({ String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) }) {
            guard let bytes = Self.bytes(hex: text), bytes.count == 32 else {
                throw AppConfig.Invalid(variable: path, problem: "must hold 64 hex characters (delete it only if no secrets were stored with it)")
            }
            return Vault(key: SymmetricKey(data: bytes))
        }
        try fm.createDirectory(atPath: config.dataDirectory, withIntermediateDirectories: true)
        let key = SymmetricKey(size: .bits256)
        let hex = key.withUnsafeBytes { Data($0) }.map { String(format: "%02x", $0) }.joined()
        guard fm.createFile(atPath: path, contents: Data((hex + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
            throw AppConfig.Invalid(variable: path, problem: "could not be created; set MUNIM_SECRET_KEY instead")
        }
        return Vault(key: key)
    }

    static func bytes(hex: String) -> [UInt8]? {
        guard hex.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        var i = hex.startIndex
        while i < hex.endIndex {
            let j = hex.index(i, offsetBy: 2)
            guard let b = UInt8(hex[i..<j], radix: 16) else { return nil }
            out.append(b)
            i = j
        }
        return out
    }
}

extension Application {
    private struct VaultKey: StorageKey { typealias Value = Vault }

    public var vault: Vault {
        get {
            guard let v = storage[VaultKey.self] else { fatalError("configure() sets the vault before any request") }
            return v
        }
        set { storage[VaultKey.self] = newValue }
    }
}
