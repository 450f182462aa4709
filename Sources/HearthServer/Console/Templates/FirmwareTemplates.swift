/// The owners' firmware page: requirements (with the form to set one), each device's posture and
/// why, and the rollouts reaching the household's devices. The live region is re-read when a
/// device's posture or firmware, or a campaign, changes.
enum FirmwareTemplates {
    static let firmware = """
        {{> header}}
        <div id="firmware-live" data-live-region>
        <section aria-labelledby="posture-devices"><h2 id="posture-devices">Devices</h2>
        {{#hasDevices}}<div class="scroll"><table id="posture-table">
        <thead><tr><th scope="col">Device</th><th scope="col">Zone</th><th scope="col">Posture</th><th scope="col">Firmware</th><th scope="col">Why</th></tr></thead>
        <tbody>{{#devices}}<tr data-device="{{id}}" data-posture="{{posture}}"><td>{{name}}</td><td>{{zone}}</td>
        <td><span class="badge {{#restricted}}critical{{/restricted}}{{^restricted}}notice{{/restricted}}">{{posture}}</span></td>
        <td>{{firmware}}</td><td class="reason">{{reason}}</td></tr>{{/devices}}</tbody>
        </table></div>{{/hasDevices}}
        {{^hasDevices}}<p>No devices yet.</p>{{/hasDevices}}
        </section>
        <section aria-labelledby="posture-rules"><h2 id="posture-rules">Requirements</h2>
        {{#hasRules}}<ul id="rules">{{#rules}}<li data-scope="{{scope}}" data-value="{{value}}">Devices of {{label}} must run security version {{minimum}} or more ({{restriction}})
        <form method="post" action="/console/firmware/rules/remove" class="inline">{{> csrf}}<input type="hidden" name="scope" value="{{scope}}"><input type="hidden" name="value" value="{{value}}">
        <button type="submit">Remove</button></form></li>{{/rules}}</ul>{{/hasRules}}
        {{^hasRules}}<p id="no-rules">No requirements: every device is accepted whatever it runs.</p>{{/hasRules}}
        </section>
        <section aria-labelledby="rollouts"><h2 id="rollouts">Rollouts</h2>
        {{#hasCampaigns}}<ul id="campaigns">{{#campaigns}}<li data-campaign="{{id}}" data-phase="{{phase}}"><strong>{{model}} {{version}}</strong>: {{phase}} {{cohort}} — your devices: {{devices}}{{#reason}} <span class="reason">({{reason}})</span>{{/reason}}</li>{{/campaigns}}</ul>{{/hasCampaigns}}
        {{^hasCampaigns}}<p id="no-campaigns">No rollout reaches your devices.</p>{{/hasCampaigns}}
        </section>
        </div>
        <section aria-labelledby="set-rule"><h2 id="set-rule">Require a minimum</h2>
        <form method="post" action="/console/firmware/rules" id="rule-form">{{> csrf}}
        <label for="rule-scope">For</label><select id="rule-scope" name="scope"><option value="household">the household</option><option value="zone">a zone</option><option value="model">a model</option></select>
        <label for="rule-value">Zone or model</label><input id="rule-value" name="value" type="text" maxlength="64">
        <label for="rule-minimum">Minimum security version</label><input id="rule-minimum" name="minimum" type="number" min="0" required>
        <label for="rule-restriction">Devices below it</label><select id="rule-restriction" name="restriction"><option value="update-only">may only report and update</option><option value="quarantine">are quarantined</option></select>
        <button type="submit">Require it</button>
        </form>
        </section>
        <p>A device out of posture renews its certificate only together with an update. Rollouts are started by the hub's operator (hearth firmware campaign).</p>
        {{> footer}}
        """
}
