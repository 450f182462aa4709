/// The frame of every console page: head, top bar with navigation, notices; and its end.
/// Values are escaped by Mustache (`{{…}}`); nothing here is inline script or style, so the
/// Content-Security-Policy can forbid both.
enum LayoutTemplates {
    static let header = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}} · Hearth</title>
        <link rel="stylesheet" href="/console/assets/console.css">
        <script src="/console/assets/console.js" defer></script>
        </head>
        <body data-live="{{live}}"{{#livePath}} data-live-path="{{livePath}}"{{/livePath}}>
        <a class="skip" href="#main">Skip to content</a>
        <header class="top">
        <span class="brand">Hearth</span>{{#householdName}}<span class="household">{{householdName}}</span>{{/householdName}}
        {{#signedIn}}
        <nav aria-label="Console">
        <ul>
        <li><a href="/console/overview"{{#navOverview}} aria-current="page"{{/navOverview}}>Overview</a></li>
        <li><a href="/console/devices"{{#navDevices}} aria-current="page"{{/navDevices}}>Devices</a></li>
        {{#isOwner}}
        <li><a href="/console/pairing"{{#navPairing}} aria-current="page"{{/navPairing}}>Pairing</a></li>
        <li><a href="/console/people"{{#navPeople}} aria-current="page"{{/navPeople}}>People</a></li>
        <li><a href="/console/apps"{{#navApps}} aria-current="page"{{/navApps}}>Apps</a></li>
        <li><a href="/console/audit"{{#navAudit}} aria-current="page"{{/navAudit}}>Audit</a></li>
        <li><a href="/console/privacy"{{#navPrivacy}} aria-current="page"{{/navPrivacy}}>Privacy</a></li>
        <li><a href="/console/alerts"{{#navAlerts}} aria-current="page"{{/navAlerts}}>Alerts</a></li>
        <li><a href="/console/firmware"{{#navFirmware}} aria-current="page"{{/navFirmware}}>Firmware</a></li>
        {{/isOwner}}
        </ul>
        </nav>
        <form method="post" action="/console/sign-out" class="sign-out">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <span class="who">{{email}} ({{role}})</span> <button type="submit">Sign out</button>
        </form>
        {{/signedIn}}
        </header>
        <main id="main">
        <h1>{{title}}</h1>
        {{#notice}}<p class="notice" role="status">{{notice}}</p>{{/notice}}
        {{#error}}<p class="error" role="alert">{{error}}</p>{{/error}}
        """

    static let footer = """
        </main>
        </body></html>
        """

    /// A form's CSRF field.
    static let csrf = #"<input type="hidden" name="csrf" value="{{csrf}}">"#

    /// A page that only says something: errors, refusals.
    static let message = """
        {{> header}}
        {{#detail}}<p>{{detail}}</p>{{/detail}}
        <p><a href="{{back}}">{{backLabel}}</a></p>
        {{> footer}}
        """

    /// The question before a destructive action: the same form again, with `confirmed=yes`.
    static let confirm = """
        {{> header}}
        <p class="question">{{question}}</p>
        <form method="post" action="{{action}}" class="card">
        {{> csrf}}
        {{#fields}}<input type="hidden" name="{{name}}" value="{{value}}">{{/fields}}
        <input type="hidden" name="confirmed" value="yes">
        <button type="submit" class="danger" id="confirm">{{confirmLabel}}</button>
        <a href="{{back}}" class="cancel">Cancel</a>
        </form>
        {{> footer}}
        """

    static let signIn = """
        {{> header}}
        <form method="post" action="/console/sign-in" class="card" id="sign-in">
        {{> csrf}}
        <label for="email">Email</label>
        <input id="email" name="email" type="email" autocomplete="username" required value="{{emailField}}">
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required>
        <label for="totp">Authenticator code or recovery code</label>
        <input id="totp" name="totp" type="text" inputmode="text" autocomplete="one-time-code">
        <label for="household">Household id (only if you belong to several)</label>
        <input id="household" name="household" type="text" value="{{householdField}}">
        <button type="submit">Sign in</button>
        </form>
        {{> footer}}
        """
}
