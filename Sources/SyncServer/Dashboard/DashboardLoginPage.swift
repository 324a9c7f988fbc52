/// The page shown instead of the dashboard to anyone not signed in as headquarters: a form
/// that posts an HQ token to `/dashboard/login`, and nothing else (no figure, no name).
struct DashboardLoginPage {
    /// Why the visitor is here again (a rejected token, an expired session), if there is a reason.
    var message: String?

    var html: String {
        var out = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="referrer" content="no-referrer">
            <title>CivicSync HQ dashboard · sign in</title>
            <style>\(DashboardStyle.css)</style></head><body>
            <form class="login" method="post" action="/dashboard/login" autocomplete="off">
            <h1>CivicSync · headquarters dashboard</h1>
            <p>The dashboard is for headquarters. Sign in with an HQ token (<code>syncserver token issue --role hq</code>).</p>
            """
        if let message { out += "<div class=\"message\" role=\"alert\" id=\"login-message\">\(HTML.escape(message))</div>" }
        out += """
            <label for="token">HQ token</label>
            <input id="token" name="token" type="password" required autofocus>
            <button type="submit">Sign in</button>
            </form></body></html>
            """
        return out
    }
}
