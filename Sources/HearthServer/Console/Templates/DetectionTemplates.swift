/// The owners' alerts page: the household's alerts with what the hub did and the buttons to
/// acknowledge or approve, and the risk scores. The live region is re-read when an alert is
/// raised, escalated or acknowledged anywhere.
enum DetectionTemplates {
    static let alerts = """
        {{> header}}
        <div id="alerts-live" data-live-region>
        <section aria-labelledby="alert-list"><h2 id="alert-list">Alerts</h2>
        {{#hasAlerts}}<ul class="alerts">
        {{#alerts}}<li class="alert {{severity}}{{^open}} acknowledged{{/open}}" data-alert="{{id}}" data-kind="{{kind}}">
        <h3><span class="badge {{severity}}">{{severity}}</span> {{summary}}</h3>
        <dl class="facts">
        <dt>Kind</dt><dd>{{kind}}</dd>
        <dt>About</dt><dd><code>{{suspect}}</code></dd>
        <dt>Raised</dt><dd>{{raised}}</dd>
        {{#hasEvidence}}<dt>Evidence</dt><dd>{{#evidence}}<span class="evidence">{{name}}: {{value}}</span> {{/evidence}}</dd>{{/hasEvidence}}
        {{#hasActions}}<dt>What the hub did</dt><dd><ul>{{#actions}}<li>{{.}}</li>{{/actions}}</ul></dd>{{/hasActions}}
        <dt>State</dt><dd class="state">{{state}}</dd>
        </dl>
        {{#open}}<form method="post" action="/console/alerts/ack" class="inline">{{> csrf}}<input type="hidden" name="id" value="{{id}}">
        <button type="submit" class="ack">{{#holds}}Refuse the command{{/holds}}{{^holds}}Acknowledge{{/holds}}</button></form>
        {{#holds}}<form method="post" action="/console/alerts/approve" class="inline approve">{{> csrf}}<input type="hidden" name="id" value="{{id}}">
        <label for="code-{{id}}">Your second-factor code</label><input id="code-{{id}}" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" maxlength="10" required>
        <button type="submit" class="approve">Approve the command</button></form>{{/holds}}
        {{/open}}
        </li>{{/alerts}}
        </ul>{{/hasAlerts}}
        {{^hasAlerts}}<p id="no-alerts">No alerts: nothing out of the ordinary has been found.</p>{{/hasAlerts}}
        </section>
        <section aria-labelledby="risk"><h2 id="risk">Risk</h2>
        {{#hasRisk}}<div class="scroll"><table id="risk-table">
        <thead><tr><th scope="col">Who</th><th scope="col">Score (0–100)</th><th scope="col">Why</th></tr></thead>
        <tbody>{{#risk}}<tr data-suspect="{{suspect}}"><td><code>{{suspect}}</code></td><td class="score">{{score}}</td><td>{{#causes}}{{summary}}<br>{{/causes}}</td></tr>{{/risk}}</tbody>
        </table></div>{{/hasRisk}}
        {{^hasRisk}}<p id="no-risk">Nobody has a risk score: no finding in the last days.</p>{{/hasRisk}}
        </section>
        </div>
        <p>Acknowledging an alert lifts a rate limit it left; a quarantined device is released from its page; a revoked certificate or app needs pairing or authorizing again. A held command is delivered only when approved with your second-factor code.</p>
        {{> footer}}
        """
}
