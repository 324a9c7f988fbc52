import Foundation
import Logging
import SyncCore

/// A swift-log handler writing one JSON object per line (time, level, label, message and all
/// metadata, e.g. `request_id`), so server logs can be searched and joined by request.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    let label: String
    let write: @Sendable (String) -> Void

    /// A handler writing to standard error.
    public init(label: String, level: Logger.Level = .info) {
        self.init(label: label, level: level) { line in
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
    }

    /// A handler writing each line through `write` (tests capture lines this way).
    public init(label: String, level: Logger.Level = .info, write: @escaping @Sendable (String) -> Void) {
        self.label = label
        self.logLevel = level
        self.write = write
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields: [String: JSONValue] = [:]
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        for (key, value) in merged { fields[key] = Self.json(value) }
        fields["time"] = .string(ISO8601DateFormatter().string(from: Date()))
        fields["level"] = .string(event.level.rawValue)
        fields["label"] = .string(label)
        fields["message"] = .string(event.message.description)
        write(JSONValue.object(fields).canonicalJSON)
    }

    static func json(_ value: Logger.Metadata.Value) -> JSONValue {
        switch value {
        case .string(let s): .string(s)
        case .stringConvertible(let c): .string(c.description)
        case .array(let items): .array(items.map(json))
        case .dictionary(let d): .object(d.mapValues(json))
        }
    }
}
