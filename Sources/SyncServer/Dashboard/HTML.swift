/// Escaping and number formatting for the server-rendered pages. Every piece of data that
/// reaches HTML goes through `escape` (text and attribute values alike), so a case title or a
/// member name typed on a replica can never become markup on headquarters' screen.
enum HTML {
    /// `&`, `<`, `>`, `"` and `'` as entities; safe in text and in double- or single-quoted attributes.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text.unicodeScalars {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(character)
            }
        }
        return out
    }

    /// A one-decimal figure as the reports write it (`202.7`, `-12.5`, `8.0`), or `–` for none.
    /// Written by hand so the page never depends on the platform's float formatting.
    static func decimal(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "–" }
        let tenths = Int((value * 10).rounded())
        let magnitude = abs(tenths)
        return (tenths < 0 ? "-" : "") + "\(magnitude / 10).\(magnitude % 10)"
    }

    /// `8.3%`, or `–` for none.
    static func percent(_ value: Double?) -> String {
        value == nil ? "–" : decimal(value) + "%"
    }

    /// A signed change: `+202.7%`, `-4.0%`, or `–`.
    static func change(_ value: Double?) -> String {
        guard let value else { return "–" }
        return (value > 0 ? "+" : "") + percent(value)
    }

    /// An integer with thousands separators (`12,345`).
    static func count(_ value: Int) -> String {
        let digits = String(abs(value))
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out += "," }
            out.append(digit)
        }
        return (value < 0 ? "-" : "") + out
    }
}
