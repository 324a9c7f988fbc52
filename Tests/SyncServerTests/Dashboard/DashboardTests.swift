import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SyncCore
import SyncServer
import Testing

/// The HQ dashboard through the router test client: no figures without HQ credentials,
/// sign-in by form or one-time ticket, the session cookie's attributes, expiry, sign-out,
/// revocation, escaping, and the figures of the hand-checked `ReportFixture`.
@Suite("HQ dashboard")
struct DashboardTests {
    static let sessionCookie = "civicsync_session"

    /// The session id set by a response, if any.
    static func session(_ headers: HTTPFields) -> String? {
        for value in headers[values: .setCookie] where value.hasPrefix("\(sessionCookie)=") {
            let id = value.dropFirst(sessionCookie.count + 1).prefix { $0 != ";" }
            return id.isEmpty ? nil : String(id)
        }
        return nil
    }

    static func cookie(_ id: String) -> HTTPFields {
        var headers = HTTPFields()
        headers[.cookie] = "other=1; \(sessionCookie)=\(id)"
        return headers
    }

    static func form(_ body: String, site: String? = nil) -> HTTPFields {
        var headers = HTTPFields()
        headers[.contentType] = "application/x-www-form-urlencoded"
        if let site { headers[HTTPField.Name("Sec-Fetch-Site")!] = site }
        return headers
    }

    /// Markers that only the dashboard (never the sign-in page) contains.
    static let figureMarkers = ["id=\"kpi-tasks\"", "id=\"table-leaderboard\"", "<svg", "Cy Inspector", "REF-c"]

    @Test("without HQ credentials: only the sign-in form, no figures", arguments: StoreKind.allCases)
    func signInFormOnly(_ store: StoreKind) async throws {
        let harness = try await ServerHarness(on: store)
        try await harness.test { client in
            let fixture = try await ReportFixture.seed(harness, client)
            var attempts: [(String, HTTPFields, Int)] = [("nothing", [:], 401)]
            attempts.append(("unknown cookie", Self.cookie("forged"), 401))
            var bearer = HTTPFields()
            bearer[.authorization] = "Bearer cs_nope_secret"
            attempts.append(("unknown token", bearer, 401))
            for member in ["s1", "m1"] {
                var headers = HTTPFields()
                headers[.authorization] = "Bearer \(fixture.token(member))"
                attempts.append((member, headers, 403))
            }
            for (what, headers, status) in attempts {
                let page = try await client.get("/dashboard?period=2026", headers: headers)
                #expect(page.status == status, "\(what)")
                #expect(page.headers[.contentType] == "text/html; charset=utf-8")
                #expect(page.body.contains("action=\"/dashboard/login\""), "\(what)")
                for marker in Self.figureMarkers { #expect(!page.body.contains(marker), "\(what) shows \(marker)") }
            }
            let forged = try await client.get("/dashboard", headers: Self.cookie("forged"))
            #expect(forged.headers[values: .setCookie].contains { $0.contains("Max-Age=0") }, "a dead cookie is cleared")
        }
    }

    @Test("an HQ bearer token sees the figures of the fixture, with charts and tables", arguments: StoreKind.allCases)
    func figures(_ store: StoreKind) async throws {
        let harness = try await ServerHarness(on: store)
        try await harness.test { client in
            let fixture = try await ReportFixture.seed(harness, client)
            var headers = HTTPFields()
            headers[.authorization] = "Bearer \(fixture.token("hq"))"
            let page = try await client.get("/dashboard?period=2026-03", headers: headers)
            #expect(page.status == 200)
            let html = page.body
            #expect(html.contains("id=\"kpi-tasks\">5<"))
            #expect(html.contains("+150.0% on a year before (2)"))
            #expect(html.contains("id=\"kpi-external-share\">20.0%<"))
            #expect(html.contains("id=\"kpi-conflicts\">1<"))
            #expect(html.contains("<option value=\"2026-03\" selected>"))
            for id in ["chart-tasks", "chart-replies", "chart-sources", "chart-area", "chart-cause", "chart-step", "chart-status",
                       "table-step-times", "table-leaderboard", "table-best-monitors", "table-divisions", "table-individuals", "table-budget", "table-conflicts"] {
                #expect(html.contains("id=\"\(id)\""), "missing \(id)")
            }
            // Nothing is loaded from elsewhere, and the policy forbids it anyway.
            #expect(!html.contains("src=") && !html.contains("<script") && !html.contains("<link") && !html.contains("@import"))
            #expect(page.headers[.contentSecurityPolicy]?.hasPrefix("default-src 'none'") == true)
            #expect(page.headers[.cacheControl] == "no-store")

            // The default period is the latest year with cases; Q1 2026 has the replies.
            let year = try await client.get("/dashboard", headers: headers)
            #expect(year.body.contains("<option value=\"2026\" selected>"))
            let quarter = try await client.get("/dashboard?period=2026-Q1", headers: headers)
            #expect(quarter.body.contains("id=\"kpi-reply-rate\">75.0%<"))
            #expect(quarter.body.contains("3 of 4 consultations answered"))
            let points = try await client.get("/dashboard?period=2026", headers: headers)
            #expect(points.body.contains("Cy Inspector"))
            #expect(points.body.contains("contracts <span class=\"badge best\">best</span>"))
            #expect(points.body.contains("citizens <span class=\"badge worst\">worst</span>"))
            // The best and worst people: staff and internal monitors, then external monitors.
            for (name, mark) in [("Cy Inspector", "best"), ("Busan Staff", "worst"), ("Ada Monitor", "best"), ("Bo Monitor", "worst")] {
                #expect(points.body.contains("\(name) <span class=\"badge \(mark)\">\(mark)</span>"), "\(name) \(mark)")
            }
            #expect(!points.body.contains("Head Office <span"))
            // A branch filter, and a bad period that falls back with a notice.
            let busan = try await client.get("/dashboard?period=2026-03&branch=busan", headers: headers)
            #expect(busan.body.contains("id=\"kpi-tasks\">3<") && busan.body.contains("<option value=\"busan\" selected>"))
            let bad = try await client.get("/dashboard?period=2026-14&branch=%3Cx%3E", headers: headers)
            #expect(bad.status == 200 && bad.body.contains("class=\"message\"") && !bad.body.contains("<x>"))
        }
    }

    @Test("data typed on replicas is escaped: a hostile case title stays text", arguments: StoreKind.allCases)
    func escaping(_ store: StoreKind) async throws {
        let harness = try await ServerHarness(on: store)
        try await harness.test { client in
            let fixture = try await ReportFixture.seed(harness, client)
            var headers = HTTPFields()
            headers[.authorization] = "Bearer \(fixture.token("hq"))"
            let page = try await client.get("/dashboard?period=2026", headers: headers)
            #expect(!page.body.contains("<script"))
            // Conflicting values are shown as JSON (so "" and null differ), then escaped.
            #expect(page.body.contains("&quot;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; \\&quot;bids\\&quot;&quot;"))
        }
    }

    @Test("form sign-in sets an HttpOnly, SameSite=Strict session cookie; sign-out ends it", arguments: StoreKind.allCases)
    func formSignIn(_ store: StoreKind) async throws {
        let harness = try await ServerHarness(on: store)
        try await harness.test { client in
            let fixture = try await ReportFixture.seed(harness, client)
            let hq = fixture.token("hq").addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let wrong = try await client.execute(uri: "/dashboard/login", method: .post, headers: Self.form(""),
                                                 body: ByteBuffer(string: "token=cs_wrong_token"))
            #expect(wrong.status == .unauthorized && Self.session(wrong.headers) == nil)
            #expect(String(buffer: wrong.body).contains("not accepted"))
            let monitor = try await client.execute(uri: "/dashboard/login", method: .post, headers: Self.form(""),
                                                   body: ByteBuffer(string: "token=\(fixture.token("m1"))"))
            #expect(monitor.status == .forbidden && Self.session(monitor.headers) == nil)
            let crossSite = try await client.execute(uri: "/dashboard/login", method: .post, headers: Self.form("", site: "cross-site"),
                                                     body: ByteBuffer(string: "token=\(hq)"))
            #expect(crossSite.status == .forbidden && Self.session(crossSite.headers) == nil)
            let json = try await client.execute(uri: "/dashboard/login", method: .post, headers: client.headers(token: nil, json: true),
                                                body: ByteBuffer(string: "{\"token\":\"x\"}"))
            #expect(json.status == .unsupportedMediaType)

            let login = try await client.execute(uri: "/dashboard/login", method: .post, headers: Self.form("", site: "same-origin"),
                                                 body: ByteBuffer(string: "remember=1&token=\(hq)"))
            #expect(login.status == .seeOther)
            #expect(login.headers[.location] == "/dashboard")
            let setCookie = try #require(login.headers[values: .setCookie].first)
            #expect(setCookie.contains("; Path=/dashboard") && setCookie.contains("; HttpOnly") && setCookie.contains("; SameSite=Strict"))
            #expect(setCookie.contains("; Max-Age=28800"))
            let id = try #require(Self.session(login.headers))
            #expect(id.count >= 40 && !setCookie.contains(fixture.token("hq")))

            let page = try await client.get("/dashboard?period=2026-03", headers: Self.cookie(id))
            #expect(page.status == 200 && page.body.contains("id=\"kpi-tasks\">5<"))
            #expect(page.body.contains("action=\"/dashboard/logout\""))

            let logout = try await client.execute(uri: "/dashboard/logout", method: .post, headers: Self.cookie(id))
            #expect(logout.status == .seeOther && logout.headers[values: .setCookie].contains { $0.contains("Max-Age=0") })
            let after = try await client.get("/dashboard", headers: Self.cookie(id))
            #expect(after.status == 401 && !after.body.contains("id=\"kpi-tasks\""))
        }
    }

    @Test("sessions expire after eight hours and end when their token is revoked", arguments: StoreKind.allCases)
    func expiryAndRevocation(_ store: StoreKind) async throws {
        let harness = try await ServerHarness(on: store)
        try await harness.test { client in
            let fixture = try await ReportFixture.seed(harness, client)
            func signIn() async throws -> String {
                let response = try await client.execute(uri: "/dashboard/login", method: .post, headers: Self.form(""),
                                                        body: ByteBuffer(string: "token=\(fixture.token("hq"))"))
                return try #require(Self.session(response.headers))
            }
            let id = try await signIn()
            harness.clock.advance(by: 8 * 3_600_000 - 1_000)
            #expect(try await client.get("/dashboard", headers: Self.cookie(id)).status == 200)
            harness.clock.advance(by: 2_000)
            let expired = try await client.get("/dashboard", headers: Self.cookie(id))
            #expect(expired.status == 401 && expired.body.contains("session has ended"))

            let second = try await signIn()
            #expect(try await client.get("/dashboard", headers: Self.cookie(second)).status == 200)
            _ = try await harness.authority.revoke(.member("hq"))
            let revoked = try await client.get("/dashboard", headers: Self.cookie(second))
            #expect(revoked.status == 401 && revoked.body.contains("revoked"))
        }
    }

    @Test("a one-time sign-in ticket: HQ only, works once, expires", arguments: StoreKind.allCases)
    func tickets(_ store: StoreKind) async throws {
        let harness = try await ServerHarness(on: store)
        try await harness.test { client in
            let fixture = try await ReportFixture.seed(harness, client)
            let refused = try await client.execute(uri: "/v1/dashboard/ticket", method: .post, headers: client.headers(token: fixture.token("s1")))
            #expect(refused.status == .forbidden)
            let anonymous = try await client.execute(uri: "/v1/dashboard/ticket", method: .post, headers: client.headers(token: nil))
            #expect(anonymous.status == .unauthorized)
            func ticket() async throws -> String {
                let response = try await client.execute(uri: "/v1/dashboard/ticket", method: .post, headers: client.headers(token: fixture.token("hq")))
                #expect(response.status == .ok)
                let object = try parseJSON(String(buffer: response.body)).objectValue ?? [:]
                let path = try #require(object["path"]?.stringValue)
                #expect(path == "/dashboard/login?ticket=\(object["ticket"]?.stringValue ?? "")")
                return path
            }
            let path = try await ticket()
            let first = try await client.get(path)
            #expect(first.status == 303 && first.headers[.location] == "/dashboard")
            let id = try #require(Self.session(first.headers))
            #expect(try await client.get("/dashboard", headers: Self.cookie(id)).status == 200)
            let again = try await client.get(path)
            #expect(again.status == 401 && Self.session(again.headers) == nil)

            let late = try await ticket()
            harness.clock.advance(by: 121_000)
            let expired = try await client.get(late)
            #expect(expired.status == 401 && expired.body.contains("expired or was already used"))
            #expect(try await client.get("/dashboard/login").status == 303)
        }
    }

    @Test("the conflicts currently visible are listed with both values and their authors", arguments: StoreKind.allCases)
    func conflicts(_ store: StoreKind) async throws {
        let harness = try await ServerHarness(on: store)
        try await harness.test { client in
            let fixture = try await ReportFixture.seed(harness, client)
            var headers = HTTPFields()
            headers[.authorization] = "Bearer \(fixture.token("hq"))"
            let page = try await client.get("/dashboard?period=2026", headers: headers).body
            let table = try #require(page.range(of: "id=\"table-conflicts\"").map { String(page[$0.lowerBound...]) })
            #expect(table.contains("case c3"))
            #expect(table.contains("title"))
            #expect(table.contains("&quot;Case c3&quot;"))
            #expect(table.contains("hq: "))
            let seoul = try await client.get("/dashboard?period=2026&branch=seoul", headers: headers).body
            #expect(seoul.contains("id=\"kpi-conflicts\">0<"), "c3 is a Busan case")
        }
    }
}
