import SyncCore

/// What the admin commands need of a store beside `SyncStorage`: both the embedded SQLite
/// store and the PostgreSQL store provide it, so every command works on either.
public protocol AdministeredStorage: SyncStorage {
    /// Operations the store holds.
    func storedOperationCount() async throws -> Int
    /// Generates a data set into the store (`syncserver generate`); `progress` hears the
    /// operations handled so far.
    func loadDataSet(_ generator: DataSetGenerator, batchSize: Int,
                     progress: @escaping @Sendable (Int) -> Void) async throws -> DataSetSummary
    /// Releases connections (the embedded store has none to release).
    func close()
}

extension SQLiteSyncStorage: AdministeredStorage {
    public func storedOperationCount() async throws -> Int { try operationCount() }

    public func loadDataSet(_ generator: DataSetGenerator, batchSize: Int,
                            progress: @escaping @Sendable (Int) -> Void) async throws -> DataSetSummary {
        try load(generator, batchSize: batchSize, progress: progress)
    }

    public func close() {}
}

extension PostgresSyncStorage: AdministeredStorage {}
