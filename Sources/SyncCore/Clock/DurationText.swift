/// A duration as people type it on a command line: a whole number and a unit, `90d`, `12h`,
/// `2w`, `30m`, `45s`. Used by the compaction commands (`--older-than`).
public enum DurationText {
    /// The duration in milliseconds; throws `invalidValue` with what is accepted.
    public static func milliseconds(_ text: String) throws -> Int64 {
        let units: [Character: Int64] = ["s": 1_000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000]
        guard let unit = text.last, let size = units[unit], let count = Int64(text.dropLast()), count >= 0,
              count <= Int64.max / size else {
            throw SyncError(.invalidValue, "'\(text.prefix(40))' is not a duration: write a whole number and a unit, s, m, h, d or w (e.g. 365d, 12h)")
        }
        return count * size
    }
}
