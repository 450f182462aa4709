/// The owners' pages: pairing, people, apps and the audit log.
enum HouseholdTemplates {
    static let pairing = """
        {{> header}}
        <section aria-labelledby="window"><h2 id="window">Pairing window</h2>
        <div id="window-live" data-live-region>
        {{#windowOpen}}<p>Pairing is <strong>open</strong>: it closes in <time id="countdown" data-countdown="{{secondsLeft}}" datetime="{{closesAt}}">{{closesAt}}</time>.</p>
        <form method="post" action="/console/pairing/close">{{> csrf}}<button type="submit" id="close-window">Close pairing now</button></form>{{/windowOpen}}
        {{^windowOpen}}<p>Pairing is <strong>closed</strong>. Devices can ask to pair only while it is open.</p>{{/windowOpen}}
        </div>
        <form method="post" action="/console/pairing/open" class="inline">{{> csrf}}
        <label for="minutes">Open for (minutes)</label><input id="minutes" name="minutes" type="number" min="1" max="60" value="10" required>
        <button type="submit" id="open-window">Open pairing</button></form>
        </section>
        <section aria-labelledby="requests"><h2 id="requests">Requests waiting</h2>
        <div id="requests-live" data-live-region>
        {{#hasRequests}}<div class="scroll"><table id="pairing-requests">
        <thead><tr><th scope="col">Arrived</th><th scope="col">From</th><th scope="col">Expires</th><th scope="col">Device</th></tr></thead>
        <tbody>{{#requests}}<tr data-request="{{id}}"><td>{{arrived}}</td><td>{{source}}</td><td>{{expires}}</td><td>{{#confirmed}}showing its code{{/confirmed}}{{^confirmed}}waiting for the device{{/confirmed}}</td></tr>{{/requests}}</tbody>
        </table></div>{{/hasRequests}}
        {{^hasRequests}}<p id="no-requests">No device is asking to pair.</p>{{/hasRequests}}
        </div>
        <h3>Approve a device</h3>
        <p>Type the code and the verification value the device shows. Approve only if both are on the device in front of you.</p>
        <form method="post" action="/console/pairing/approve" class="card" id="approve">
        {{> csrf}}
        <label for="user_code">Code</label><input id="user_code" name="user_code" type="text" required autocomplete="off" placeholder="XXXX-XXXX">
        <label for="verify">Verification value</label><input id="verify" name="verify" type="text" required autocomplete="off">
        <label for="approve-zone">Zone</label><input id="approve-zone" name="zone" type="text" list="zones" value="default" required>
        <label for="approve-name">Name</label><input id="approve-name" name="name" type="text" required placeholder="hall sensor">
        <button type="submit" id="approve-button">Approve</button>
        </form>
        <form method="post" action="/console/pairing/deny" class="inline">{{> csrf}}
        <label for="deny-code">Refuse the request with code</label><input id="deny-code" name="user_code" type="text" required autocomplete="off">
        <button type="submit" class="danger">Refuse</button></form>
        <datalist id="zones">{{#zones}}<option value="{{.}}">{{/zones}}</datalist>
        </section>
        <section aria-labelledby="expected"><h2 id="expected">Expected devices</h2>
        {{#hasExpected}}<div class="scroll"><table>
        <thead><tr><th scope="col">Name</th><th scope="col">Zone</th><th scope="col">Until</th><th scope="col">Used</th></tr></thead>
        <tbody>{{#expected}}<tr><td>{{name}}</td><td>{{zone}}</td><td>{{until}}</td><td>{{used}}</td></tr>{{/expected}}</tbody>
        </table></div>{{/hasExpected}}
        {{^hasExpected}}<p>No device is expected by a setup secret.</p>{{/hasExpected}}
        <form method="post" action="/console/pairing/expected" class="card">
        {{> csrf}}
        <label for="secret">Setup secret (from the device's label)</label><input id="secret" name="secret" type="text" autocomplete="off">
        <label for="serial">or the serial number of a device with a manufacturer attestation</label><input id="serial" name="serial" type="text" autocomplete="off">
        <label for="expect-zone">Zone</label><input id="expect-zone" name="zone" type="text" list="zones" value="default">
        <label for="expect-name">Name</label><input id="expect-name" name="name" type="text" value="expected device">
        <label for="expect-minutes">Expected for (minutes)</label><input id="expect-minutes" name="minutes" type="number" min="1" max="1440" value="60">
        <button type="submit">Expect this device</button>
        </form>
        </section>
        <section aria-labelledby="roots"><h2 id="roots">Manufacturer roots</h2>
        <p>Devices whose attestation chains to one of these may pair without a code when expected by serial. The hub's operator adds them (<code>hearth trust add-manufacturer</code>).</p>
        {{#hasRoots}}<ul class="items">{{#roots}}<li>{{name}} <code>{{id}}</code>, trusted since {{added}}</li>{{/roots}}</ul>{{/hasRoots}}
        {{^hasRoots}}<p>None.</p>{{/hasRoots}}
        </section>
        {{> footer}}
        """

    static let people = """
        {{> header}}
        {{#invitationCode}}<div class="card secret" role="status"><p>Give this code to the person you invited; it is shown only now:</p><p><code id="invitation-code">{{invitationCode}}</code></p></div>{{/invitationCode}}
        <section aria-labelledby="members"><h2 id="members">Members</h2>
        <div class="scroll"><table id="people">
        <thead><tr><th scope="col">Email</th><th scope="col">Role</th><th scope="col">Access</th><th scope="col">Change role</th><th scope="col">Remove</th></tr></thead>
        <tbody>
        {{#members}}<tr data-person="{{id}}"><td>{{email}}</td><td>{{role}}</td><td>{{access}}</td>
        <td><form method="post" action="/console/people/{{id}}/role" class="inline">{{> csrf}}<label class="visually-hidden" for="role-{{id}}">Role of {{email}}</label><select id="role-{{id}}" name="role">{{#roleOptions}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/roleOptions}}</select><button type="submit">Change</button></form></td>
        <td>{{^isSelf}}<form method="post" action="/console/people/{{id}}/remove" class="inline">{{> csrf}}<button type="submit" class="danger">Remove…</button></form>{{/isSelf}}</td></tr>{{/members}}
        </tbody></table></div>
        </section>
        <section aria-labelledby="invite"><h2 id="invite">Invite someone</h2>
        <form method="post" action="/console/people/invite" class="card">
        {{> csrf}}
        <label for="invite-email">Email (optional: anyone with the code may accept)</label><input id="invite-email" name="email" type="email">
        <label for="invite-role">Role</label><select id="invite-role" name="role"><option value="member">member</option><option value="guest">guest</option><option value="owner">owner</option></select>
        <label for="invite-zones">Zones they reach (comma-separated; empty: every zone)</label><input id="invite-zones" name="zones" type="text" placeholder="kitchen, hall">
        <label for="invite-starts">From (UTC, optional)</label><input id="invite-starts" name="starts_at" type="datetime-local">
        <label for="invite-until">Until (UTC; guests need one)</label><input id="invite-until" name="until" type="datetime-local">
        <button type="submit" id="invite-button">Invite</button>
        </form>
        </section>
        <section aria-labelledby="pending"><h2 id="pending">Open invitations</h2>
        {{#hasInvitations}}<ul class="items">{{#invitations}}<li>{{role}} {{email}} until {{until}} <form method="post" action="/console/people/invitations/{{id}}/revoke" class="inline">{{> csrf}}<button type="submit" class="danger">Revoke…</button></form></li>{{/invitations}}</ul>{{/hasInvitations}}
        {{^hasInvitations}}<p>None.</p>{{/hasInvitations}}
        </section>
        {{> footer}}
        """

    static let apps = """
        {{> header}}
        <section aria-labelledby="clients"><h2 id="clients">Apps (OAuth clients)</h2>
        {{#hasClients}}<div class="scroll"><table id="clients-table">
        <thead><tr><th scope="col">Name</th><th scope="col">Client id</th><th scope="col">Authentication</th><th scope="col">Registered</th><th scope="col">State</th><th scope="col"></th></tr></thead>
        <tbody>{{#clients}}<tr><td>{{name}}</td><td><code>{{id}}</code></td><td>{{auth}}</td><td>{{created}}</td><td>{{state}}</td>
        <td>{{#active}}<form method="post" action="/console/apps/clients/{{id}}/revoke" class="inline">{{> csrf}}<button type="submit" class="danger">Revoke…</button></form>{{/active}}</td></tr>{{/clients}}</tbody>
        </table></div>{{/hasClients}}
        {{^hasClients}}<p>No app is registered.</p>{{/hasClients}}
        </section>
        <section aria-labelledby="grants"><h2 id="grants">What each app may do</h2>
        {{#hasGrants}}<div class="scroll"><table id="grants-table">
        <thead><tr><th scope="col">App</th><th scope="col">For</th><th scope="col">Scopes</th><th scope="col">Granted</th><th scope="col">Last used</th><th scope="col"></th></tr></thead>
        <tbody>{{#grants}}<tr><td>{{client}}</td><td>{{subject}}</td><td>{{scope}}</td><td>{{created}}</td><td>{{lastUsed}}</td>
        <td><form method="post" action="/console/apps/grants/{{id}}/revoke" class="inline">{{> csrf}}<button type="submit" class="danger">Revoke…</button></form></td></tr>{{/grants}}</tbody>
        </table></div>{{/hasGrants}}
        {{^hasGrants}}<p>No app holds a grant.</p>{{/hasGrants}}
        </section>
        <section aria-labelledby="integrations"><h2 id="integrations">Home Assistant</h2>
        <p>Home Assistant connects to the hub's broker with a certificate of its own, which stands for a grant above: revoke the grant, and its connection ends within a second. Its devices appear in it by MQTT discovery (docs/home-assistant.md).</p>
        <form method="post" action="/console/apps/integrations" id="integration-form">{{> csrf}}
        <label for="integration-name">Name</label><input id="integration-name" name="name" type="text" maxlength="80" value="Home Assistant">
        <label for="integration-scope">Scopes</label><input id="integration-scope" name="scope" type="text" maxlength="400" required value="devices:read" aria-describedby="integration-scope-help">
        <small id="integration-scope-help">Space-separated: devices:read, devices:control:&lt;zone&gt;, telemetry:read:&lt;flow&gt;, alerts:read.</small>
        <button type="submit">Register Home Assistant</button>
        </form>
        </section>
        {{> footer}}
        """

    /// A registered integration's certificate, key and the hub's root, shown this once.
    static let integration = """
        {{> header}}
        <p>Give these to Home Assistant (Settings → Devices &amp; services → MQTT → Configure → Advanced options): the broker <code>{{broker}}</code>, port <code>{{port}}</code>, the broker certificate authority, the client certificate and the private key. The key is shown this once and kept nowhere.</p>
        <p>Integration <code id="integration-id">{{id}}</code>, scopes <code>{{scope}}</code>, certificate valid until {{notAfter}}.</p>
        <label for="integration-ca">Broker certificate authority (ca.crt)</label><textarea id="integration-ca" readonly rows="8">{{ca}}</textarea>
        <label for="integration-certificate">Client certificate (client.crt)</label><textarea id="integration-certificate" readonly rows="8">{{certificate}}</textarea>
        {{#key}}<label for="integration-key">Private key (client.key)</label><textarea id="integration-key" readonly rows="6">{{key}}</textarea>{{/key}}
        <p><a href="/console/apps">Back to apps</a></p>
        {{> footer}}
        """

    static let audit = """
        {{> header}}
        <form method="get" action="/console/audit" class="filters" role="search">
        <label for="action">Action</label><input id="action" name="action" type="text" value="{{action}}" placeholder="device.revoked">
        <label for="subject">Subject</label><input id="subject" name="subject" type="text" value="{{subject}}" placeholder="device:…">
        <label for="actor">Actor</label><input id="actor" name="actor" type="text" value="{{actor}}" placeholder="person:…">
        <button type="submit">Search</button>
        </form>
        <p>Press <strong>verify</strong> on an entry: this browser recomputes its leaf hash, checks its inclusion proof against the newest signed checkpoint, and checks that checkpoint's Ed25519 signature with the hub's audit key (<code id="audit-key">{{key}}</code>), which it remembers from its first visit.</p>
        <div class="scroll"><table id="audit-table" data-audit-key="{{key}}">
        <thead><tr><th scope="col">#</th><th scope="col">Time</th><th scope="col">Action</th><th scope="col">Subject</th><th scope="col">Actor</th><th scope="col">Reason</th><th scope="col">Check</th></tr></thead>
        <tbody>
        {{#entries}}<tr data-index="{{index}}"><td>{{index}}</td><td>{{time}}</td><td>{{action}}</td><td>{{subject}}</td><td>{{actor}}</td><td>{{reason}}</td>
        <td><button type="button" class="verify" data-entry="{{json}}" aria-describedby="result-{{index}}">verify</button> <output id="result-{{index}}" class="result" aria-live="polite"></output></td></tr>{{/entries}}
        </tbody></table></div>
        {{^entries}}<p>No entry matches.</p>{{/entries}}
        <nav aria-label="Pages" class="pages">{{#older}}<a href="{{older}}" rel="next">Older entries</a>{{/older}}</nav>
        {{> footer}}
        """
}
