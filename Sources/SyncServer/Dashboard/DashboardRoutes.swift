import CivilAffairs
import Foundation
import HTTPTypes
import Hummingbird
import SyncCore

/// The HQ dashboard's routes: the page, sign-in by token form or one-time ticket, sign-out.
///
/// The page accepts an HQ bearer token (for programs) or the session cookie set at sign-in
/// (for browsers, which cannot send a bearer header by themselves). Anyone else gets the sign-in
/// form and no figures. These routes answer HTML, never JSON, since a person reads them; they
/// sit outside `/v1` and its protocol check because browsers do not announce a sync protocol.
struct DashboardRoutes: Sendable {
    let storage: any SyncStorage
    let tokens: TokenAuthority
    let sessions: DashboardSessions
    let wallClock: any WallClock
    /// Attachments' bytes, which the page links (nil: the server keeps none).
    var files: AttachmentStore? = nil

    static let cookieName = "civicsync_session"
    /// Largest sign-in form accepted.
    static let maxFormBytes = 8 * 1024

    /// Who is asking for the page.
    enum Access {
        case hq(Principal, session: String?)
        case refused(HTTPResponse.Status, message: String?, clearCookie: Bool)
    }

    // MARK: - Routes

    /// `GET /dashboard?period=…&branch=…`.
    func show(_ request: Request, context: SyncRequestContext) async throws -> Response {
        switch try await access(request) {
        case .refused(let status, let message, let clearCookie):
            return Self.loginPage(status, message: message, clearCookie: clearCookie)
        case .hq(let principal, let session):
            let query = request.uri.queryParameters
            var notes: [String] = []
            var period: ReportPeriod?
            if let text = query["period"].map(String.init), !text.isEmpty {
                do { period = try ReportPeriod(parsing: text) } catch let error as SyncError {
                    notes.append(error.message + " Showing the latest year instead.")
                }
            }
            var branch: String?
            do { branch = try ReportRoutes.branch(query["branch"].map(String.init)) } catch let error as APIError {
                notes.append(error.message + " Showing every branch instead.")
            }
            var snapshot = try await storage.dashboard(DashboardRequest(period: period, branch: branch, now: wallClock.nowMilliseconds()))
            for index in snapshot.attachments.indices {
                snapshot.attachments[index].stored = files?.path(of: snapshot.attachments[index].sha256) != nil
            }
            var page = DashboardPage(snapshot: snapshot, member: principal.memberID, hasSession: session != nil)
            page.message = notes.isEmpty ? nil : notes.joined(separator: " ")
            return Self.html(.ok, page.html)
        }
    }

    /// `GET /dashboard/attachments/{sha256}`: an attachment's bytes for HQ (bearer token or
    /// session), as a download.
    func attachment(_ request: Request, context: SyncRequestContext) async throws -> Response {
        switch try await access(request) {
        case .refused(let status, let message, let clearCookie):
            return Self.loginPage(status, message: message, clearCookie: clearCookie)
        case .hq(let principal, _):
            let sha256 = context.parameters.get("sha256") ?? ""
            guard AccessPolicy.isAttachmentHash(sha256), let files,
                  let record = try await storage.attachment(sha256, as: principal), let path = files.path(of: sha256) else {
                return Self.html(.notFound, DashboardLoginPage(message: "No such attachment on this server (or its bytes have not been uploaded yet).").html)
            }
            return try await AttachmentRoutes.fileResponse(path: path, record: record, from: 0, context: context)
        }
    }

    /// `POST /dashboard/login` with `token=<HQ token>` (a form): opens a session.
    func login(_ request: Request, context: SyncRequestContext) async throws -> Response {
        if let refusal = Self.crossSite(request) { return refusal }
        let contentType = request.headers[.contentType] ?? ""
        guard contentType.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased() == "application/x-www-form-urlencoded" else {
            return Self.loginPage(.unsupportedMediaType, message: "Send the sign-in form as application/x-www-form-urlencoded.", clearCookie: false)
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: Self.maxFormBytes)
        } catch {
            return Self.loginPage(.contentTooLarge, message: "The sign-in form is too large.", clearCookie: false)
        }
        let token = Self.formFields(String(buffer: buffer))["token"]?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        guard !token.isEmpty else { return Self.loginPage(.unauthorized, message: "Enter an HQ token.", clearCookie: false) }
        let principal: Principal
        do {
            principal = try await tokens.authenticate(token)
        } catch is TokenAuthority.Failure {
            return Self.loginPage(.unauthorized, message: "That token is not accepted (unknown or revoked).", clearCookie: false)
        }
        guard principal.role == .hq else {
            return Self.loginPage(.forbidden, message: "The dashboard is for headquarters; a \(principal.role.rawValue) token cannot open it.",
                                  clearCookie: false)
        }
        return try await signIn(principal, tokenHash: TokenAuthority.hash(token))
    }

    /// `GET /dashboard/login?ticket=…`: a one-time link from `POST /v1/dashboard/ticket`.
    func ticketLogin(_ request: Request, context: SyncRequestContext) async throws -> Response {
        guard let ticket = request.uri.queryParameters["ticket"].map(String.init), !ticket.isEmpty else {
            return Self.redirect("/dashboard")
        }
        guard ticket.utf8.count <= 100, let record = try await sessions.redeem(ticket) else {
            return Self.loginPage(.unauthorized, message: "This sign-in link has expired or was already used.", clearCookie: false)
        }
        guard try await tokenIsLive(record.tokenHash) else {
            return Self.loginPage(.unauthorized, message: "The token behind this sign-in link was revoked.", clearCookie: false)
        }
        return try await signIn(record.principal, tokenHash: record.tokenHash)
    }

    /// `POST /dashboard/logout`: ends the session and clears the cookie.
    func logout(_ request: Request, context: SyncRequestContext) async throws -> Response {
        if let refusal = Self.crossSite(request) { return refusal }
        if let id = request.cookies[Self.cookieName]?.value, !id.isEmpty { try await sessions.close(id) }
        var response = Self.redirect("/dashboard")
        response.headers[values: .setCookie].append(Self.clearedCookie)
        return response
    }

    /// `POST /v1/dashboard/ticket` (HQ bearer): a single-use sign-in link valid for a short
    /// while, so a person can open the dashboard without pasting a token into a browser.
    func issueTicket(_ request: Request, context: SyncRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        guard principal.role == .hq else {
            throw APIError(.forbidden, "forbidden", "the dashboard is for headquarters tokens only; this token is a \(principal.role.rawValue) token")
        }
        guard let token = request.headers[.authorization].flatMap(Self.bearer) else {
            throw APIError.unauthorized("missing_token", "this route needs 'Authorization: Bearer <token>'")
        }
        let issued = try await sessions.issueTicket(for: principal, tokenHash: TokenAuthority.hash(token))
        var headers = HTTPFields()
        headers[.cacheControl] = "no-store"
        return JSONBody.response(.ok, JSONValue.object([
            "ticket": .string(issued.ticket),
            "path": .string("/dashboard/login?ticket=\(issued.ticket)"),
            "expiresAt": .int(issued.expiresAt),
        ]).canonicalJSON, headers: headers)
    }

    // MARK: - Deciding who is asking

    func access(_ request: Request) async throws -> Access {
        if let header = request.headers[.authorization] {
            guard let token = Self.bearer(header) else {
                return .refused(.unauthorized, message: "The Authorization header must be 'Bearer <token>'.", clearCookie: false)
            }
            let principal: Principal
            do {
                principal = try await tokens.authenticate(token)
            } catch is TokenAuthority.Failure {
                return .refused(.unauthorized, message: "That token is not accepted (unknown or revoked).", clearCookie: false)
            }
            guard principal.role == .hq else {
                return .refused(.forbidden, message: "The dashboard is for headquarters; a \(principal.role.rawValue) token cannot open it.",
                                clearCookie: false)
            }
            return .hq(principal, session: nil)
        }
        if let id = request.cookies[Self.cookieName]?.value, !id.isEmpty {
            guard id.utf8.count <= 100, let session = try await sessions.session(id) else {
                return .refused(.unauthorized, message: "Your session has ended; sign in again.", clearCookie: true)
            }
            guard try await tokenIsLive(session.tokenHash) else {
                try await sessions.close(id)
                return .refused(.unauthorized, message: "The token of this session was revoked; sign in again.", clearCookie: true)
            }
            return .hq(session.principal, session: id)
        }
        return .refused(.unauthorized, message: nil, clearCookie: false)
    }

    /// Whether the token that opened a session or ticket is still an active HQ token.
    func tokenIsLive(_ hash: String) async throws -> Bool {
        guard let record = try await storage.token(hash: hash) else { return false }
        return !record.isRevoked && record.principal.role == .hq
    }

    func signIn(_ principal: Principal, tokenHash: String) async throws -> Response {
        let session = try await sessions.open(for: principal, tokenHash: tokenHash)
        let seconds = max(0, (session.expiresAt - wallClock.nowMilliseconds()) / 1000)
        var response = Self.redirect("/dashboard")
        response.headers[values: .setCookie].append(
            "\(Self.cookieName)=\(session.id); Path=/dashboard; Max-Age=\(seconds); HttpOnly; SameSite=Strict")
        return response
    }

    // MARK: - Helpers

    static let clearedCookie = "\(cookieName)=; Path=/dashboard; Max-Age=0; HttpOnly; SameSite=Strict"

    /// The token of a `Bearer <token>` header.
    static func bearer(_ header: String) -> String? {
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }

    /// A 403 page for a form posted from another site (browsers say so in `Sec-Fetch-Site`);
    /// nil for same-origin posts and for clients that do not send the header (curl).
    static func crossSite(_ request: Request) -> Response? {
        guard let site = request.headers[HTTPField.Name("Sec-Fetch-Site")!]?.lowercased(), site != "same-origin", site != "none" else {
            return nil
        }
        return loginPage(.forbidden, message: "Sign-in and sign-out forms must come from this dashboard.", clearCookie: false)
    }

    /// `application/x-www-form-urlencoded` fields (later duplicates win).
    static func formFields(_ body: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ text: Substring) -> String {
                let spaced = text.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            fields[decode(parts[0])] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return fields
    }

    static func loginPage(_ status: HTTPResponse.Status, message: String?, clearCookie: Bool) -> Response {
        var response = html(status, DashboardLoginPage(message: message).html)
        if status == .unauthorized { response.headers[.wwwAuthenticate] = "Bearer realm=\"civicsync\"" }
        if clearCookie { response.headers[values: .setCookie].append(clearedCookie) }
        return response
    }

    static func redirect(_ location: String) -> Response {
        var headers = securityHeaders
        headers[.location] = location
        return Response(status: .seeOther, headers: headers)
    }

    /// No caching, no framing, no referrer, and a policy that forbids loading anything at all
    /// except the page's own inline styles and forms posting back to this server.
    static var securityHeaders: HTTPFields {
        var headers = HTTPFields()
        headers[.cacheControl] = "no-store"
        headers[.contentSecurityPolicy] = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        headers[.xContentTypeOptions] = "nosniff"
        headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        return headers
    }

    static func html(_ status: HTTPResponse.Status, _ text: String) -> Response {
        var headers = securityHeaders
        headers[.contentType] = "text/html; charset=utf-8"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
