// Headless ODK Web Forms engine (@getodk/xforms-engine) harness: JSON in, JSON out.
//
//   node harness.mjs request.json > result.json
//
// request: {
//   "form": "/path/to/form.xml",            built XForm (konray-review forms build)
//   "attachments": "/path/to/dir",           where villages.csv & co. live (jr://file-csv/NAME)
//   "cases": [{
//     "id": "case-1",
//     "answers": {"commune": "dak_rve", ...},   by field name (last path segment)
//     "repeats": {"members": [{"sex": "male", ...}, ...]},
//     "submission": true                        also return the submission XML
//   }]
// }
// result: [{ "id", "values": {name: value}, "repeats": {name: [{name: value}]},
//            "violations": [{"ref", "condition", "message"}], "unanswered": [name],
//            "rejected": [{"name", "value", "condition", "message"}],
//            "not_relevant": [name or "members[i]/name"], "submission" }]
//
// Answers are given in document order, so relevance and choice filters see earlier answers,
// exactly as an enumerator fills the form. A value that cannot be set because the question
// is not relevant (or does not exist) is listed in "unanswered"; every question or calculate
// that is not relevant once the form is filled is listed in "not_relevant". An answer that
// breaks a constraint is kept by this engine (the Web Forms engine stores it and blocks only
// on finalise; JavaRosa, the engine of ODK Collect, refuses it: see javarosa/Harness.java)
// and listed in "rejected" with the form's own message. Values are the engine's instance
// strings.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

globalThis.__dirname = process.cwd(); // tree-sitter glue in the engine expects CommonJS
const { JSDOM } = await import('jsdom');
const { window } = new JSDOM('');
for (const k of ['DOMParser', 'XMLSerializer', 'document', 'Node']) globalThis[k] = window[k];
const { loadForm } = await import('@getodk/xforms-engine');

const nameOf = (node) => node.currentState.reference.split('/').pop().replace(/\[.*\]$/, '');

const fetchFromDir = (dir) => async (url) => {
  const name = String(url).split('/').pop();
  const body = readFileSync(join(dir, name));
  return new Response(body, { status: 200, headers: { 'Content-Type': 'text/csv' } });
};

function setAnswer(node, value) {
  switch (node.nodeType) {
    case 'select':
      if (node.selectType === 'select') node.selectValues(Array.isArray(value) ? value : String(value).split(' ').filter(Boolean));
      else node.selectValue(value === '' || value === null ? null : String(value));
      return;
    case 'trigger':
      node.setValue(Boolean(value));
      return;
    case 'input':
      node.setValue(value === null ? '' : String(value));
      return;
    default:
      throw new Error(`cannot answer ${node.currentState.reference} (${node.nodeType})`);
  }
}

function violationOf(node) {
  const v = node.validationState?.violation;
  if (!v) return null;
  return { condition: v.condition, message: v.message ? v.message.asString : null };
}

// Walk children in document order, answering and reading as we go.
function fill(parent, answers, repeats, out, used, readOnly = false) {
  for (const node of parent.currentState.children ?? []) {
    const name = nameOf(node);
    const t = node.nodeType;
    if (t === 'group' || t === 'subtree') {
      fill(node, answers, repeats, out, used, readOnly);
    } else if (t.startsWith('repeat-range')) {
      const rows = repeats[name] ?? [];
      const have = node.currentState.children.length;
      if (!readOnly && rows.length > have) node.addInstances(have - 1, rows.length - have);
      if (!readOnly && rows.length < have) node.removeInstances(rows.length, have - rows.length);
      const list = [];
      node.currentState.children.forEach((inst, i) => {
        const row = { values: {}, rejected: [], not_relevant: [] };
        const rused = new Set();
        fill(inst, rows[i] ?? {}, {}, row, rused, readOnly);
        for (const k of Object.keys(rows[i] ?? {})) if (!rused.has(k)) out.unanswered.push(`${name}[${i + 1}]/${k}`);
        out.rejected.push(...row.rejected.map((r) => ({ ...r, name: `${name}[${i + 1}]/${r.name}` })));
        out.not_relevant.push(...row.not_relevant.map((n) => `${name}[${i + 1}]/${n}`));
        list.push(row.values);
      });
      out.repeats[name] = list;
    } else if (t === 'note') {
      continue;
    } else {
      if (Object.hasOwn(answers, name) && node.currentState.relevant && !node.currentState.readonly) {
        setAnswer(node, answers[name]);
        used.add(name);
        const v = violationOf(node);
        if (v && v.condition === 'constraint') out.rejected.push({ name, value: answers[name], ...v });
      }
      out.values[name] = node.currentState.relevant ? node.currentState.instanceValue : '';
      if (!node.currentState.relevant) out.not_relevant.push(name);
    }
  }
}

async function runCase(form, c) {
  const { root } = await form.createInstance();
  const out = { id: c.id, values: {}, repeats: {}, rejected: [], unanswered: [], violations: [], not_relevant: [] };
  const used = new Set();
  fill(root, c.answers ?? {}, c.repeats ?? {}, out, used);
  // calculated values may depend on later answers (counts over the roster): read again
  const final = { values: {}, repeats: {}, rejected: [], unanswered: [], not_relevant: [] };
  fill(root, {}, {}, final, new Set(), true);
  out.values = final.values;
  out.not_relevant = final.not_relevant;
  for (const [k, rows] of Object.entries(out.repeats)) out.repeats[k] = final.repeats[k] ?? rows;
  for (const k of Object.keys(c.answers ?? {})) if (!used.has(k)) out.unanswered.push(k);
  out.violations = (root.validationState.violations ?? []).map((v) => ({
    ref: v.reference, condition: v.violation.condition,
    message: v.violation.message ? v.violation.message.asString : null,
  }));
  if (c.submission) {
    const payload = await root.prepareInstancePayload();
    out.submission_status = payload.status;
    out.submission = await payload.data[0].get('xml_submission_file').text();
  }
  return out;
}

const request = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const xml = readFileSync(request.form, 'utf8');
const form = await loadForm(xml, { fetchFormAttachment: fetchFromDir(request.attachments ?? '.') });
if (form.status === 'failure') {
  process.stderr.write(`form failed to load: ${form.error}\n`);
  process.exit(2);
}
const results = [];
const timing = process.env.KONRAY_HARNESS_TIMING === '1';
for (const c of request.cases) {
  const t = performance.now();
  results.push(await runCase(form, c));
  if (timing) process.stderr.write(`${c.id} ${(performance.now() - t).toFixed(0)} ms\n`);
}
process.stdout.write(JSON.stringify(results), () => process.exit(0));
