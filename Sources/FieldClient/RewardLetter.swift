import SyncCore

/// An appreciation letter as a print-ready HTML page: the agency thanks an outside monitor for
/// the suggestions it selected as reform tasks. Made on the replica, offline: one file with its
/// styles inline (A4, print rules), no script, nothing fetched, every value typed by someone
/// escaped, so it prints the same anywhere and opening it contacts no one.
public struct RewardLetter: Codable, Sendable, Equatable {
    /// The case study's agency, the default signatory.
    public static let defaultAgency = "Public Procurement Service"

    /// A reform task the letter names.
    public struct Reform: Codable, Sendable, Equatable {
        public var caseID: String
        /// The case's reference (its id when the replica does not hold the case).
        public var ref: String
        public var title: String?
    }

    /// The reward's id, printed as the letter's number.
    public var reward: String
    public var member: String
    /// The recipient's name (their member id when the directory has none).
    public var name: String
    public var agency: String
    /// The day the reward was given (`YYYY-MM-DD`).
    public var givenOn: String
    public var reforms: [Reform]

    public init(reward: String, member: String, name: String, agency: String, givenOn: String, reforms: [Reform]) {
        self.reward = reward
        self.member = member
        self.name = name
        self.agency = agency
        self.givenOn = givenOn
        self.reforms = reforms
    }

    static let monthNames = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
                             "October", "November", "December"]

    /// `2005-04-02` → `2 April 2005` (the text as given when it is not a date).
    public static func longDate(_ text: String) -> String {
        guard let date = CivilDate(text) else { return text }
        return "\(date.day) \(monthNames[date.month - 1]) \(date.year)"
    }

    /// Text made safe inside HTML elements and attribute values.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    /// The page's styles: an A4 sheet on screen, the bare sheet on paper.
    static let css = """
        @page { size: A4; margin: 25mm 22mm; }
        * { box-sizing: border-box; }
        body { margin: 0; background: #e9ecef; color: #1d2327; font: 12pt/1.55 Georgia, "Times New Roman", serif; }
        .sheet { width: 210mm; min-height: 297mm; margin: 12mm auto; padding: 25mm 22mm; background: #fff;
          box-shadow: 0 1px 6px rgba(0, 0, 0, .25); }
        .agency { font: 600 15pt/1.3 "Helvetica Neue", Arial, sans-serif; letter-spacing: .02em; color: #123c69;
          border-bottom: 2px solid #123c69; padding-bottom: 4mm; margin: 0 0 10mm; }
        .meta { display: flex; justify-content: space-between; font-size: 10.5pt; color: #444; margin-bottom: 10mm; }
        h1 { font-size: 18pt; text-align: center; letter-spacing: .08em; text-transform: uppercase; margin: 0 0 10mm; }
        ul.reforms { margin: 4mm 0 6mm; padding-left: 6mm; }
        ul.reforms li { margin-bottom: 2mm; }
        .ref { font-family: "Courier New", monospace; font-size: 10.5pt; }
        .signature { margin-top: 18mm; }
        .signature .name { font-weight: bold; font-size: 13pt; }
        @media print {
          body { background: #fff; }
          .sheet { width: auto; min-height: 0; margin: 0; padding: 0; box-shadow: none; }
        }
        """

    /// The letter as one HTML document.
    public var html: String {
        let e = Self.escape
        let date = Self.longDate(givenOn)
        let tasks = reforms.count == 1 ? "suggestion, which the agency has selected as a reform task" :
            "suggestions, which the agency has selected as reform tasks"
        var items = ""
        for reform in reforms {
            items += "<li><span class=\"ref\">\(e(reform.ref))</span>" + (reform.title.map { " — \(e($0))" } ?? "") + "</li>\n"
        }
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="referrer" content="no-referrer">
            <title>Letter of appreciation — \(e(name))</title>
            <style>
            \(Self.css)
            </style>
            </head>
            <body>
            <article class="sheet">
            <header class="agency">\(e(agency))</header>
            <div class="meta"><span>No. \(e(reward))</span><span>\(e(date))</span></div>
            <h1>Letter of Appreciation</h1>
            <p>To <strong>\(e(name))</strong>,<br>member of the citizen-centred e-procurement monitoring team</p>
            <p>Dear \(e(name)),</p>
            <p>On behalf of the \(e(agency)), we would like to thank you sincerely for your \(tasks):</p>
            <ul class="reforms">
            \(items)</ul>
            <p>Your findings help us remove what is wrong in our laws, processes and practices and in the
            e-procurement system, and make public procurement simpler, fairer and more transparent for
            suppliers, public organisations and citizens alike. We will let you know how the reform is
            carried out, and we warmly invite you to continue taking part in the monitoring team's work and
            in our workshops.</p>
            <p>With our deepest gratitude for your participation,</p>
            <div class="signature">
            <div>\(e(date))</div>
            <div class="name">\(e(agency))</div>
            <div>Customer Support Team</div>
            </div>
            </article>
            </body>
            </html>

            """
    }
}
