import NIOSSL
import SyncCore

/// Where the server's certificate and private key are, for HTTPS (`serve --tls-cert --tls-key`).
///
/// Kept as paths (the configuration stays a plain value); `tlsConfiguration()` reads them, once
/// at start-up to report a bad file in words, and again when the server builds its channel.
public struct ServerTLS: Sendable, Equatable {
    /// PEM file: the server's certificate, then any intermediate certificates.
    public var certificatePath: String
    /// PEM file: the certificate's private key (unencrypted).
    public var keyPath: String

    public init(certificatePath: String, keyPath: String) {
        self.certificatePath = certificatePath
        self.keyPath = keyPath
    }

    /// The server TLS configuration (TLS 1.2 at least), or a `SyncError(.invalidValue)` saying
    /// which file is wrong and how.
    public func tlsConfiguration() throws -> TLSConfiguration {
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificatePath)
        } catch {
            throw SyncError(.invalidValue, "cannot read the TLS certificate '\(certificatePath)': it must be a readable PEM file (\(error))", cause: error)
        }
        guard !chain.isEmpty else {
            throw SyncError(.invalidValue, "the TLS certificate file '\(certificatePath)' holds no certificate")
        }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: keyPath, format: .pem)
        } catch {
            throw SyncError(.invalidValue, "cannot read the TLS private key '\(keyPath)': it must be a readable, unencrypted PEM key (\(error))", cause: error)
        }
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        do {
            // Building a context checks that the key belongs to the certificate.
            _ = try NIOSSLContext(configuration: configuration)
        } catch {
            throw SyncError(.invalidValue, "the TLS key '\(keyPath)' does not go with the certificate '\(certificatePath)' (\(error))", cause: error)
        }
        return configuration
    }
}
