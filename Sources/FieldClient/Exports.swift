// FieldClient's API speaks SyncCore's types (SyncError, ReportPeriod, MotionTally, …) and
// CivilAffairs' (Principal, AccessPolicy): importing FieldClient brings them along.
@_exported import SyncCore
@_exported import CivilAffairs
