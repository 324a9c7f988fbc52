import SyncCore
/// The generator's dice: SplitMix64 with the few draws the data set needs, written out so the
/// same seed gives the same numbers on every platform and every Swift version (the standard
/// library's `random(in:using:)` does not promise that).
struct DataSetRandom {
    private var generator: SplitMix64

    init(seed: UInt64) { generator = SplitMix64(seed: seed) }

    /// Uniform in [0, 1).
    mutating func unit() -> Double { Double(generator.next() >> 11) * 0x1p-53 }

    /// Uniform in the range (inclusive).
    mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(generator.next() % UInt64(range.upperBound - range.lowerBound + 1))
    }

    mutating func chance(_ p: Double) -> Bool { unit() < p }

    mutating func pick<T>(_ items: [T]) -> T { items[int(0...items.count - 1)] }

    /// One of the items, with probability proportional to its weight.
    mutating func weighted<T>(_ items: [(T, Double)]) -> T {
        let total = items.reduce(0) { $0 + $1.1 }
        var x = unit() * total
        for (item, weight) in items {
            if x < weight { return item }
            x -= weight
        }
        return items[items.count - 1].0
    }

    /// `count` distinct indices below `n` (all of them if `count >= n`), in draw order.
    mutating func sample(_ count: Int, of n: Int) -> [Int] {
        guard count < n else { return Array(0..<n) }
        var chosen = Set<Int>()
        var order: [Int] = []
        while order.count < count {
            let i = int(0...n - 1)
            if chosen.insert(i).inserted { order.append(i) }
        }
        return order
    }
}
