/// The owners' privacy page: the data-flow map with its consent switches, the destinations, the
/// metrics, the export and the erasure.
enum PrivacyTemplates {
    static let privacy = """
        {{> header}}
        <section aria-labelledby="map"><h2 id="map">Data flows</h2>
        <p>What each device may send, to whom and for how long. A flow reaches a recipient only as shown here: "needs consent" means nothing of it goes there until you allow it.</p>
        {{#hasFlows}}
        {{#devices}}<article class="device-flows" data-device="{{id}}">
        <h3>{{name}}{{#hasModel}} <span class="badge">model {{model}}</span>{{/hasModel}}</h3>
        {{#flows}}<div class="flow" data-flow="{{name}}" data-scope="{{scope}}">
        <h4>{{name}}</h4>
        <dl class="facts">
        <dt>Class</dt><dd>{{class}}</dd>
        <dt>Sensitive</dt><dd{{#isSensitive}} class="sensitive"{{/isSensitive}}>{{sensitive}}</dd>
        <dt>Purpose</dt><dd>{{purpose}}</dd>
        <dt>Kept for</dt><dd>{{retention}}</dd>
        <dt>Declared for</dt><dd><code>{{scope}}</code></dd>
        </dl>
        <ul class="recipients">
        {{#recipients}}<li data-recipient="{{recipient}}"><span class="recipient">{{label}}</span> <span class="consent-state {{stateClass}}">{{state}}</span>
        {{#needsConsent}}<form method="post" action="/console/privacy/consent" class="inline consent">{{> csrf}}
        <input type="hidden" name="scope" value="{{scope}}"><input type="hidden" name="flow" value="{{flow}}"><input type="hidden" name="recipient" value="{{recipient}}"><input type="hidden" name="grant" value="1">
        <label for="purpose-{{key}}">Purpose (empty: the flow's own)</label><input id="purpose-{{key}}" name="purpose" type="text" maxlength="280" placeholder="{{purpose}}">
        <button type="submit" class="allow">Allow</button></form>{{/needsConsent}}
        {{#allowed}}<form method="post" action="/console/privacy/consent" class="inline consent">{{> csrf}}
        <input type="hidden" name="scope" value="{{scope}}"><input type="hidden" name="flow" value="{{flow}}"><input type="hidden" name="recipient" value="{{recipient}}"><input type="hidden" name="grant" value="0">
        <button type="submit" class="danger stop">Stop</button></form>{{/allowed}}
        </li>{{/recipients}}
        {{^recipients}}<li>No recipient: the flow is checked and kept on the hub only.</li>{{/recipients}}
        </ul>
        </div>{{/flows}}
        </article>{{/devices}}
        {{/hasFlows}}
        {{^hasFlows}}<p id="no-flows">No device has a declared flow yet, so no device may send telemetry. Flows are declared with <code>hearth privacy declare</code> or the API (<code>POST /v1/privacy/flows</code>).</p>{{/hasFlows}}
        {{#hasSilentDevices}}<p>Without a declared flow (they may send no telemetry): {{#silentDevices}}<span class="badge">{{.}}</span> {{/silentDevices}}</p>{{/hasSilentDevices}}
        {{#hasUnusedModels}}<p>Flows are declared for models no device of the household is yet: {{#unusedModels}}<code>{{.}}</code> {{/unusedModels}}</p>{{/hasUnusedModels}}
        </section>
        <section aria-labelledby="destinations"><h2 id="destinations">Destinations outside the home</h2>
        {{#hasDestinations}}<div class="scroll"><table id="destinations-table">
        <thead><tr><th scope="col">Name</th><th scope="col">Broker</th><th scope="col">Topic prefix</th><th scope="col">Connected</th><th scope="col">Last error</th></tr></thead>
        <tbody>{{#destinations}}<tr><td>{{name}}</td><td>{{host}}:{{port}}</td><td><code>{{prefix}}</code></td><td>{{#connected}}<span class="badge on">yes</span>{{/connected}}{{^connected}}no{{/connected}}</td><td>{{lastError}}</td></tr>{{/destinations}}</tbody>
        </table></div>{{/hasDestinations}}
        {{^hasDestinations}}<p>None: no telemetry leaves the home.</p>{{/hasDestinations}}
        </section>
        <section aria-labelledby="metrics"><h2 id="metrics">Privacy metrics</h2>
        <p>Counted over the whole hub since it started, as on <code>/metrics</code>; bytes only for this household's destinations.</p>
        <dl class="facts" id="privacy-metrics">
        <dt>Messages refused</dt><dd><ul class="counts">{{#refused}}<li>{{reason}}: {{count}}</li>{{/refused}}</ul></dd>
        <dt>Devices with declared flows</dt><dd>{{devicesWithFlows}} of {{deviceCount}} ({{deviceShare}}%)</dd>
        <dt>Consented flows by class</dt><dd><ul class="counts">{{#consented}}<li>{{class}}: {{count}}</li>{{/consented}}</ul></dd>
        <dt>Items past their retention</dt><dd id="past-retention"{{#pastRetentionBad}} class="past-retention"{{/pastRetentionBad}}>{{pastRetention}}{{#pastRetentionBad}} — should be 0: the retention sweep is behind or failing; see the hub's log{{/pastRetentionBad}}</dd>
        <dt>Bytes sent per destination</dt><dd>{{#hasBytes}}<ul class="counts">{{#bytes}}<li>{{destination}}: {{bytes}}</li>{{/bytes}}</ul>{{/hasBytes}}{{^hasBytes}}none{{/hasBytes}}</dd>
        </dl>
        </section>
        <section aria-labelledby="rights"><h2 id="rights">Export and erasure</h2>
        <p>The export is one ZIP archive of JSON files with everything the hub holds about the household (docs/privacy.md lists them). Exporting is recorded in the audit log.</p>
        <form method="post" action="/console/privacy/export" class="inline" id="export">{{> csrf}}<button type="submit" id="export-button">Download the export</button></form>
        <form method="post" action="/console/privacy/erase" class="card" id="erase">
        {{> csrf}}
        <label for="erase-device">Erase the stored telemetry of</label>
        <select id="erase-device" name="device"><option value="household">every device of the household</option>{{#eraseOptions}}<option value="{{id}}">{{name}}</option>{{/eraseOptions}}</select>
        <button type="submit" class="danger" id="erase-button">Erase…</button>
        </form>
        </section>
        {{> footer}}
        """
}
