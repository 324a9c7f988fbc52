import Foundation
import SyncCore

/// A PostgreSQL connection URL, `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=…]`
/// (or `postgresql://`), as libpq and every PostgreSQL tool read it. `host=/socket/dir` in the
/// query connects through a Unix socket in that directory instead of TCP.
public struct DatabaseURL: Sendable, Equatable, CustomStringConvertible {
    /// As libpq's `sslmode`: `prefer` and `require` encrypt without checking the server's
    /// certificate; `verify-full` (and `verify-ca`, treated the same) checks it and the host.
    public enum TLSMode: String, Sendable, Equatable { case disable, prefer, require, verifyFull = "verify-full" }

    public var user: String
    public var password: String?
    public var host: String
    public var port: Int
    public var database: String
    /// A Unix socket directory (`?host=/path`), used instead of `host` and `port`.
    public var socketDirectory: String?
    public var tls: TLSMode

    /// Reads `text`; every problem is a `SyncError(.invalidValue)` naming what is wrong (the
    /// password is never repeated in it).
    public init(_ text: String) throws {
        guard let components = URLComponents(string: text), let scheme = components.scheme,
              ["postgres", "postgresql"].contains(scheme.lowercased()) else {
            throw SyncError(.invalidValue, "the database URL must look like postgres://USER:PASSWORD@HOST:PORT/DATABASE")
        }
        guard let user = components.user?.removingPercentEncoding, !user.isEmpty else {
            throw SyncError(.invalidValue, "the database URL names no user (postgres://USER@HOST/DATABASE)")
        }
        self.user = user
        password = components.password?.removingPercentEncoding
        host = components.host?.removingPercentEncoding ?? ""
        port = components.port ?? 5432
        guard (1...65_535).contains(port) else { throw SyncError(.invalidValue, "the database URL's port must be 1-65535") }
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        database = path.removingPercentEncoding ?? path
        if database.isEmpty { database = user }
        socketDirectory = nil
        tls = .prefer
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                switch item.value ?? "" {
                case "disable", "allow": tls = .disable
                case "prefer": tls = .prefer
                case "require": tls = .require
                case "verify-ca", "verify-full": tls = .verifyFull
                default: throw SyncError(.invalidValue, "sslmode must be disable, prefer, require or verify-full, not '\(item.value ?? "")'")
                }
            case "host":
                guard let directory = item.value, directory.hasPrefix("/") else {
                    throw SyncError(.invalidValue, "the database URL's host parameter must be a socket directory (an absolute path)")
                }
                socketDirectory = directory
            case "application_name", "connect_timeout":
                continue
            default:
                throw SyncError(.invalidValue, "the database URL has an unknown parameter '\(item.name)' (known: sslmode, host)")
            }
        }
        if socketDirectory == nil && host.isEmpty {
            throw SyncError(.invalidValue, "the database URL names no host (postgres://USER@HOST/DATABASE)")
        }
    }

    /// The URL with the password masked, for logs and messages.
    public var description: String {
        let credentials = password == nil ? user : "\(user):***"
        let place = socketDirectory.map { "?host=\($0)" } ?? ""
        let address = socketDirectory == nil ? "\(host):\(port)" : ""
        return "postgres://\(credentials)@\(address)/\(database)\(place)"
    }
}
