/// The console's style sheet, served as `/console/assets/console.css`: system fonts only (no
/// web font), one column on a phone, wider on a desktop.
enum ConsoleStyle {
    static let source = #"""
:root { --ink: #1d2327; --muted: #5f6b73; --line: #d5dbe0; --accent: #0b5cad; --bad: #a4161a; --good: #1b6e2d; --bg: #f6f7f8; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--bg); }
a { color: var(--accent); }
a:focus, button:focus, input:focus, select:focus { outline: 3px solid #f0b400; outline-offset: 2px; }
.skip { position: absolute; left: -999px; top: 0; background: #fff; padding: .5rem; }
.skip:focus { left: .5rem; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
header.top { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem 1rem; padding: .6rem 1rem; background: #17324d; color: #fff; }
header.top a { color: #fff; }
.brand { font-weight: 700; font-size: 1.1rem; }
.household { opacity: .85; }
.household::before { content: "· "; }
header nav ul { display: flex; flex-wrap: wrap; gap: .25rem .9rem; list-style: none; margin: 0; padding: 0; }
header nav a { text-decoration: none; padding: .2rem 0; }
header nav a[aria-current="page"] { border-bottom: 2px solid #fff; font-weight: 600; }
.sign-out { margin-left: auto; display: flex; gap: .5rem; align-items: center; }
.who { font-size: .9rem; opacity: .85; }
main { max-width: 72rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.5rem; margin: .5rem 0 1rem; }
h2 { font-size: 1.15rem; margin: 1.5rem 0 .5rem; }
section { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: .5rem 1rem 1rem; margin-bottom: 1rem; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: .95rem; }
caption { text-align: left; color: var(--muted); padding: .3rem 0; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
thead th { background: #eef1f4; }
code { font-size: .85rem; word-break: break-all; }
label { display: block; margin: .6rem 0 .2rem; font-weight: 600; }
input, select, button { font: inherit; }
input[type=text], input[type=email], input[type=password], input[type=search], input[type=number], input[type=datetime-local], select {
  width: 100%; max-width: 28rem; padding: .45rem; border: 1px solid #8a959e; border-radius: 4px; background: #fff; }
button { padding: .45rem .9rem; border: 1px solid var(--accent); border-radius: 4px; background: var(--accent); color: #fff; cursor: pointer; margin-top: .6rem; }
button.danger { background: var(--bad); border-color: var(--bad); }
header button { background: transparent; border-color: #fff; margin: 0; padding: .2rem .6rem; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: .5rem 1rem 1rem; max-width: 32rem; margin-bottom: 1rem; }
form.inline { display: inline-flex; flex-wrap: wrap; gap: .4rem; align-items: end; margin: 0; }
form.inline label { margin: 0; }
form.inline button { margin-top: 0; }
form.inline select, form.inline input { width: auto; }
.filters { display: grid; grid-template-columns: repeat(auto-fill, minmax(10rem, 1fr)); gap: 0 .8rem; align-items: end; margin-bottom: 1rem; }
.filters label { margin-top: .4rem; }
.actions { display: flex; flex-wrap: wrap; gap: 1rem; }
.actions form { border: 1px solid var(--line); border-radius: 6px; padding: .5rem .8rem; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .3rem 1rem; background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 1rem; }
dl.facts dt { font-weight: 600; color: var(--muted); }
dl.facts dd { margin: 0; }
.badge { display: inline-block; padding: 0 .45rem; border-radius: 1rem; background: #e3e6e8; font-size: .85rem; }
.badge.on { background: #d3f0da; color: var(--good); }
.state-quarantined, .state-decommissioned, .cert-revoked, .cert-expired { color: var(--bad); font-weight: 600; }
.notice { border-left: 4px solid var(--good); background: #eaf6ec; padding: .5rem .8rem; }
.error { border-left: 4px solid var(--bad); background: #fbeaea; padding: .5rem .8rem; }
.secret code { font-size: 1.1rem; }
#audit-table td:nth-child(4), #audit-table td:nth-child(5) { overflow-wrap: anywhere; }
#audit-table td:first-child { white-space: nowrap; }
#audit-table .result { display: block; min-width: 11rem; max-width: 18rem; }
.result.ok { color: var(--good); font-weight: 600; }
.result.bad { color: var(--bad); font-weight: 600; }
.result.partial { color: #7a5a00; }
.pages { display: flex; gap: 1rem; margin: 1rem 0; }
.cancel { margin-left: 1rem; }
ul.items { padding-left: 1.2rem; }
@media (max-width: 40rem) {
  main { padding: .6rem; }
  .sign-out { margin-left: 0; width: 100%; justify-content: space-between; }
  th, td { padding: .3rem; }
  dl.facts { grid-template-columns: 1fr; }
}
/* The privacy page: a flow per card, a switch per recipient. */
.device-flows { border-top: 1px solid var(--line); padding-top: .3rem; }
.device-flows h3 { margin: .6rem 0 .4rem; }
.flow { border: 1px solid var(--line); border-radius: 6px; padding: .2rem .8rem .6rem; margin-bottom: .8rem; }
.flow h4 { margin: .5rem 0; }
.flow dl.facts { border: 0; padding: 0 0 .5rem; }
.sensitive { color: #7a5a00; font-weight: 600; }
ul.recipients { list-style: none; padding: 0; margin: 0; }
ul.recipients li { padding: .4rem 0; border-top: 1px solid var(--line); }
.recipient { font-weight: 600; }
.consent-state { display: inline-block; padding: 0 .45rem; border-radius: 1rem; font-size: .85rem; background: #e3e6e8; }
.consent-state.needed { background: #fdf1d6; color: #7a5a00; }
.consent-state.allowed { background: #d3f0da; color: var(--good); }
ul.recipients form.consent { display: flex; margin-top: .3rem; }
ul.recipients form.consent label { font-weight: 400; color: var(--muted); }
ul.counts { list-style: none; padding: 0; margin: 0; }
.past-retention { color: var(--bad); font-weight: 600; }
#export { margin-bottom: 1rem; }
/* The alerts page: a card per alert; identifiers and addresses break anywhere on a phone. */
ul.alerts { list-style: none; padding: 0; margin: 0; }
li.alert { border: 1px solid var(--line); border-left: .3rem solid var(--line); border-radius: 6px; padding: .2rem .8rem .6rem; margin-bottom: .8rem; overflow-wrap: anywhere; }
li.alert.warning { border-left-color: #c69300; }
li.alert.critical { border-left-color: var(--bad); }
li.alert.acknowledged { opacity: .75; }
li.alert h3 { margin: .5rem 0; font-size: 1rem; }
li.alert dl.facts { border: 0; padding: 0 0 .5rem; }
li.alert form.approve input { max-width: 8rem; }
#risk-table td { overflow-wrap: anywhere; }
"""#
}
