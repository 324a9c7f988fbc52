// SyncServer speaks CivilAffairs' types (Principal, AccessPolicy, Denial, …) in its API:
// importing SyncServer brings them along.
@_exported import CivilAffairs
