// FieldClient's API speaks SyncCore's types (SyncError, ReportPeriod, MotionTally, …):
// importing FieldClient brings them along.
@_exported import SyncCore
