/// The overview, the device list and one device. Regions marked `data-live-region` are
/// re-read from the server when the live stream says something changed.
enum DeviceTemplates {
    static let overview = """
        {{> header}}
        <div id="overview-live" data-live-region>
        <section aria-labelledby="inventory">
        <h2 id="inventory">Devices</h2>
        <p>Devices: <span id="device-count">{{deviceCount}}</span> · connected now: <span id="connected-count">{{connectedCount}}</span></p>
        <div class="scroll"><table>
        <caption>Devices by zone and state</caption>
        <thead><tr><th scope="col">Zone</th>{{#states}}<th scope="col">{{.}}</th>{{/states}}<th scope="col">All</th></tr></thead>
        <tbody>
        {{#zones}}<tr><th scope="row"><a href="/console/devices?zone={{zone}}">{{zone}}</a></th>{{#counts}}<td>{{.}}</td>{{/counts}}<td>{{total}}</td></tr>{{/zones}}
        </tbody>
        <tfoot><tr><th scope="row">All zones</th>{{#totals}}<td>{{.}}</td>{{/totals}}<td>{{deviceCount}}</td></tr></tfoot>
        </table></div>
        </section>
        <section aria-labelledby="expiring">
        <h2 id="expiring">Certificates expiring within 7 days ({{expiringCount}})</h2>
        {{#hasExpiring}}<ul class="items">{{#expiring}}<li><a href="/console/devices/{{id}}">{{name}}</a> in {{zone}}: ends {{until}}{{#overdue}} <strong>renewal overdue</strong>{{/overdue}}</li>{{/expiring}}</ul>{{/hasExpiring}}
        {{^hasExpiring}}<p>None.</p>{{/hasExpiring}}
        </section>
        <section aria-labelledby="silent">
        <h2 id="silent">Not seen for a day ({{silentCount}})</h2>
        {{#hasSilent}}<ul class="items">{{#silent}}<li><a href="/console/devices/{{id}}">{{name}}</a> in {{zone}}: last seen {{lastSeen}}</li>{{/silent}}</ul>{{/hasSilent}}
        {{^hasSilent}}<p>None.</p>{{/hasSilent}}
        </section>
        {{#isOwner}}
        <section aria-labelledby="waiting">
        <h2 id="waiting">Pairing requests waiting ({{pendingCount}})</h2>
        <p>Pairing is {{#windowOpen}}open until {{windowCloses}}{{/windowOpen}}{{^windowOpen}}closed{{/windowOpen}}. <a href="/console/pairing">Go to pairing</a></p>
        </section>
        <section aria-labelledby="recent">
        <h2 id="recent">Newest audit events</h2>
        <div class="scroll"><table>
        <thead><tr><th scope="col">#</th><th scope="col">Time</th><th scope="col">Action</th><th scope="col">Subject</th><th scope="col">Actor</th></tr></thead>
        <tbody>{{#recent}}<tr><td>{{index}}</td><td>{{time}}</td><td>{{action}}</td><td>{{subject}}</td><td>{{actor}}</td></tr>{{/recent}}</tbody>
        </table></div>
        <p><a href="/console/audit">The whole log</a></p>
        </section>
        {{/isOwner}}
        </div>
        {{> footer}}
        """

    static let devices = """
        {{> header}}
        <form method="get" action="/console/devices" class="filters" role="search">
        <label for="q">Search</label><input id="q" name="q" type="search" value="{{q}}" placeholder="name, id or zone">
        <label for="state">State</label>
        <select id="state" name="state"><option value="">any</option>{{#stateOptions}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/stateOptions}}</select>
        <label for="zone">Zone</label>
        <select id="zone" name="zone"><option value="">any</option>{{#zoneOptions}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/zoneOptions}}</select>
        <label for="cert">Certificate</label>
        <select id="cert" name="cert"><option value="">any</option>{{#certOptions}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/certOptions}}</select>
        <label for="sort">Sort by</label>
        <select id="sort" name="sort">{{#sortOptions}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/sortOptions}}</select>
        <label for="dir">Order</label>
        <select id="dir" name="dir"><option value="asc">ascending</option><option value="desc"{{#descending}} selected{{/descending}}>descending</option></select>
        <button type="submit">Show</button>
        </form>
        <div id="devices-live" data-live-region>
        <p>{{matching}} matching devices; page {{page}} of {{pageCount}}.</p>
        <div class="scroll"><table id="device-table">
        <thead><tr><th scope="col">Name</th><th scope="col">Zone</th><th scope="col">State</th><th scope="col">Connected</th><th scope="col">Certificate</th><th scope="col">Expires</th><th scope="col">Last seen</th></tr></thead>
        <tbody>
        {{#devices}}<tr data-device="{{id}}"><td><a href="/console/devices/{{id}}">{{name}}</a></td><td>{{zone}}</td><td class="state state-{{state}}">{{state}}</td><td>{{#connected}}<span class="badge on">connected</span>{{/connected}}{{^connected}}<span class="badge">offline</span>{{/connected}}</td><td class="cert-{{certificate}}">{{certificate}}</td><td>{{expires}}</td><td>{{lastSeen}}</td></tr>{{/devices}}
        </tbody>
        </table></div>
        </div>
        <nav aria-label="Pages" class="pages">
        {{#previous}}<a href="{{previous}}" rel="prev">Previous page</a>{{/previous}}
        {{#next}}<a href="{{next}}" rel="next">Next page</a>{{/next}}
        </nav>
        {{> footer}}
        """

    static let device = """
        {{> header}}
        <div id="device-live" data-live-region>
        <dl class="facts">
        <dt>Name</dt><dd id="device-name">{{name}}</dd>
        <dt>Id</dt><dd><code>{{id}}</code></dd>
        <dt>Zone</dt><dd>{{zone}}</dd>
        <dt>State</dt><dd id="device-state" class="state state-{{state}}">{{state}}</dd>
        <dt>Connected now</dt><dd id="device-connected">{{#connected}}yes{{/connected}}{{^connected}}no{{/connected}}</dd>
        <dt>Certificate</dt><dd id="device-certificate">{{certificate}}</dd>
        <dt>Last seen</dt><dd>{{lastSeen}}</dd>
        <dt>Paired</dt><dd>{{created}}</dd>
        </dl>
        {{#canManage}}
        <section aria-labelledby="actions"><h2 id="actions">Actions</h2>
        <div class="actions">
        {{#actions}}
        <form method="post" action="/console/devices/{{id}}/{{action}}">
        {{> csrf}}
        {{#askZone}}<label for="zone-{{action}}">Zone</label><input id="zone-{{action}}" name="zone" type="text" required value="{{zone}}">{{/askZone}}
        {{#askReason}}<label for="reason-{{action}}">Reason</label><input id="reason-{{action}}" name="reason" type="text" value="{{defaultReason}}">{{/askReason}}
        <button type="submit" id="action-{{action}}"{{#danger}} class="danger"{{/danger}}>{{label}}…</button>
        </form>
        {{/actions}}
        </div>
        </section>
        {{/canManage}}
        <section aria-labelledby="certificates"><h2 id="certificates">Certificates</h2>
        <div class="scroll"><table>
        <thead><tr><th scope="col">Serial</th><th scope="col">Status</th><th scope="col">From</th><th scope="col">Until</th><th scope="col">Origin</th></tr></thead>
        <tbody>{{#certificates}}<tr><td><code>{{serial}}</code></td><td>{{status}}</td><td>{{from}}</td><td>{{until}}</td><td>{{origin}}</td></tr>{{/certificates}}</tbody>
        </table></div>
        </section>
        </div>
        {{#hasTrail}}
        <section aria-labelledby="trail"><h2 id="trail">Audit trail</h2>
        <div class="scroll"><table>
        <thead><tr><th scope="col">#</th><th scope="col">Time</th><th scope="col">Action</th><th scope="col">Actor</th><th scope="col">Reason</th></tr></thead>
        <tbody>{{#trail}}<tr><td>{{index}}</td><td>{{time}}</td><td>{{action}}</td><td>{{actor}}</td><td>{{reason}}</td></tr>{{/trail}}</tbody>
        </table></div>
        {{^trail}}<p>None.</p>{{/trail}}
        <p><a href="/console/audit?subject=device:{{id}}">Every entry about this device</a> · <a href="/console/audit?actor=device:{{id}}">Everything it did</a></p>
        </section>
        {{/hasTrail}}
        {{> footer}}
        """
}
