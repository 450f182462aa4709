import Foundation
import HearthCore
import HearthHub
import HearthStore
import Logging
import Hummingbird
import Mustache
import NIOCore

/// Renders console pages from the Mustache templates compiled into the binary, with the
/// headers every console response carries.
struct ConsoleRenderer: Sendable {
    let library: MustacheLibrary

    init() {
        var library = MustacheLibrary()
        let templates: [String: String] = [
            "header": LayoutTemplates.header, "footer": LayoutTemplates.footer, "csrf": LayoutTemplates.csrf,
            "message": LayoutTemplates.message, "confirm": LayoutTemplates.confirm, "sign-in": LayoutTemplates.signIn,
            "overview": DeviceTemplates.overview, "devices": DeviceTemplates.devices, "device": DeviceTemplates.device,
            "pairing": HouseholdTemplates.pairing, "people": HouseholdTemplates.people, "apps": HouseholdTemplates.apps,
            "integration": HouseholdTemplates.integration,
            "audit": HouseholdTemplates.audit, "privacy": PrivacyTemplates.privacy, "alerts": DetectionTemplates.alerts,
            "firmware": FirmwareTemplates.firmware,
        ]
        MustacheContentTypes.register(ConsoleHTML(), named: ConsoleHTML.name)
        for (name, text) in templates {
            // The templates are constants of this binary; one that does not parse is a bug caught
            // by the first test that renders it. Each starts with a standalone line choosing the
            // escaping below (the line itself renders nothing).
            try! library.register("{{% CONTENT_TYPE: \(ConsoleHTML.name)}}\n" + text, named: name)
        }
        self.library = library
    }

    /// HTML escaping of `{{values}}` with the hub's one escaper (``HTMLEscaping``) instead of
    /// Mustache's, which walks the text one `Character` at a time through a dictionary and took
    /// over a third of an audit page's CPU time (each row carries its entry as JSON for the
    /// browser to re-hash).
    struct ConsoleHTML: MustacheContentType {
        static let name = "HEARTH_CONSOLE_HTML"

        func escapeText(_ text: String) -> String { HTMLEscaping.escape(text) }
    }

    /// No inline script or style, nothing from another origin, no framing, forms only to here.
    static let contentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
        + "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

    static func headers(contentType: String, cookies: [String] = []) -> HTTPFields {
        var headers: HTTPFields = [
            .contentType: contentType,
            .cacheControl: "no-store",
            .contentSecurityPolicy: contentSecurityPolicy,
            .init("X-Frame-Options")!: "DENY",
            .init("X-Content-Type-Options")!: "nosniff",
            .init("Referrer-Policy")!: "same-origin",
            .init("Cross-Origin-Opener-Policy")!: "same-origin",
            .init("Cross-Origin-Resource-Policy")!: "same-origin",
        ]
        for cookie in cookies { headers.append(.init(name: .setCookie, value: cookie)) }
        return headers
    }

    /// A page: `values` for the template, plus the frame's (title, navigation, who is signed in).
    func page(
        _ template: String, title: String, nav: String? = nil, signedIn: ConsoleCaller?, values: [String: Any] = [:],
        status: HTTPResponse.Status = .ok, cookies: [String] = []
    ) -> Response {
        // A nil passed `as Any` (an optional error, notice or detail) is left out: Mustache would
        // open its section and print "nil".
        var context = values.filter { !Self.isNil($0.value) }
        context["title"] = title
        if let nav { context["nav" + nav.prefix(1).uppercased() + nav.dropFirst()] = true }
        if let signedIn {
            context["signedIn"] = true
            context["email"] = signedIn.member.person.email.rawValue
            context["role"] = signedIn.member.role.rawValue
            context["isOwner"] = signedIn.isOwner
            context["householdName"] = signedIn.householdName
            if context["csrf"] == nil { context["csrf"] = signedIn.csrf }
        }
        return Response(
            status: status, headers: Self.headers(contentType: "text/html; charset=utf-8", cookies: cookies),
            body: .init(byteBuffer: ByteBuffer(string: html(template, context))))
    }

    /// `template` rendered with `context`, escaped as chosen when it was registered.
    func html(_ template: String, _ context: [String: Any]) -> String {
        library.render(context, withTemplate: template) ?? ""
    }

    /// A page that only says what happened (a refusal, an error), with a link onwards.
    func message(
        title: String, detail: String?, status: HTTPResponse.Status, signedIn: ConsoleCaller?,
        back: String = "/console/overview", backLabel: String = "Back to the overview", cookies: [String] = []
    ) -> Response {
        page(
            "message", title: title, signedIn: signedIn,
            values: ["detail": detail as Any, "back": back, "backLabel": backLabel], status: status, cookies: cookies)
    }

    static func isNil(_ value: Any) -> Bool {
        let mirror = Mirror(reflecting: value)
        return mirror.displayStyle == .optional && mirror.children.isEmpty
    }

    static func redirect(_ location: String, cookies: [String] = []) -> Response {
        var headers = headers(contentType: "text/plain; charset=utf-8", cookies: cookies)
        headers[.location] = location
        return Response(status: .seeOther, headers: headers)
    }

    static func asset(_ text: String, type: String) -> Response {
        var headers = headers(contentType: type)
        headers[.cacheControl] = "no-cache"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    // MARK: formatting

    static func time(_ date: Date?) -> String {
        guard let date else { return "never" }
        return RFC3339.format(date).replacingOccurrences(of: "T", with: " ")
    }

    static func options<S: Sequence>(_ values: S, selected: String?) -> [[String: Any]] where S.Element == String {
        values.map { ["value": $0, "selected": $0 == selected] }
    }
}
