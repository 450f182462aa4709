import HearthHub
import HearthStore
import Logging
import Hummingbird

/// The household console at `/console`: server-rendered pages over the application layer,
/// one script and one style sheet served from the binary. See docs/console.md.
struct ConsoleRoutes: Sendable {
    let console: ConsoleAdapter

    init(hub: HubServices, bodyLimit: Int) {
        console = ConsoleAdapter(
            hub: hub, sessionGuard: ConsoleGuard(keys: hub.pki.sealer.derivedKeys(purpose: "console csrf")),
            renderer: ConsoleRenderer(), bodyLimit: bodyLimit)
    }

    var endpoints: [Endpoint] {
        [
            Endpoint(.get, "/console/assets/console.js") { _, _ in
                ConsoleRenderer.asset(ConsoleScript.source, type: "text/javascript; charset=utf-8")
            },
            Endpoint(.get, "/console/assets/console.css") { _, _ in
                ConsoleRenderer.asset(ConsoleStyle.source, type: "text/css; charset=utf-8")
            },
        ]
            + ConsoleSignIn(console: console).endpoints
            + ConsoleDevicePages(console: console).endpoints
            + ConsoleHouseholdPages(console: console).endpoints
            + ConsolePrivacyPages(console: console).endpoints
            + ConsoleAlertPages(console: console).endpoints
            + ConsoleFirmwarePages(console: console).endpoints
            + ConsoleEvents(console: console).endpoints
            + [
                // Any other console address: a page, as everywhere in the console.
                Endpoint(.get, "/console/**") { _, _ in
                    console.renderer.message(
                        title: "Not found", detail: "There is no such page.", status: .notFound, signedIn: nil)
                },
            ]
    }
}
