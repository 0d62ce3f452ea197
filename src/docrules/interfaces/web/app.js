// The clerk's page: a form that asks what decides the most first, the result of POST /v1/check (never
// shown for facts it was not computed from), and the buyer's printed handout. Facts, values, roles,
// groups, stages, documents and issues all come from GET /v1/facts and the result (the rule pack); the
// page's own words are in words.js, the reading of typed numbers and dates in input.js.
import { word } from "./words.js";
import { amountHint, formatted, parse, today } from "./input.js";

const UNKNOWN = "\u0000unknown";  // the select option for "not known yet": never a pack value

const state = {
  lang: "zh",
  described: null,        // GET /v1/facts
  app: {},                // application facts
  parties: [],            // [{key, id, autoId, role, of (a party key), facts: {}}]
  opened: new Set(),      // field keys opened by the clerk ("+ more", a fix)
  unknown: new Set(),     // field keys the clerk answered "not known yet"
  drafts: new Map(),      // field key -> the text as typed (numbers and dates are parsed from it)
  local: new Map(),       // field key -> [word key, detail]: the page's own check failed
  shown: new Set(),       // field keys whose local error is shown (after the clerk left the field)
  server: [],             // [{key, text}] from the latest 422
  received: new Map(),    // "partyKey|document" -> {partyKey, document, originals, copies}
  result: null,
  questions: [],          // the latest result's questions, ranked: [{key, scope, fact, party, gates, group}]
  link: "pending",        // ok | pending | invalid | failed
  attempt: 0,             // failed requests in a row (the retry backoff)
  reference: "",          // unit / contract no., printed only
  fixing: new Set(),      // field keys a block's fix opened: shown first in their party
  clears: new Map(),      // "code|party" -> {fact, date}: the first later date that clears a block
};
let nextKey = 0;
let timer = null;
let retryTimer = null;
let sequence = 0;

const $ = (id) => document.getElementById(id);
const zh = () => state.lang === "zh";
// A pack's [words] say the page's words its own way (outcomes, amounts, "the application"), key by key.
const w = (key, n = "") => {
  const own = state.described?.words?.[key];
  return own ? t(own).replace("{n}", n) : word(state.lang, key, n);
};
const t = (text) => (text && typeof text === "object" ? text[state.lang] ?? text.en ?? "" : String(text ?? ""));
const list = (items) => items.join(zh() ? "、" : ", ");

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") node.className = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined && child !== false) {
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
  }
  return node;
}

// ---------------------------------------------------------------------------------------- vocabulary

const spec = (scope, fact) => state.described[scope][fact];
const factLabel = (scope, fact) => t(spec(scope, fact).label);

function valueText(scope, fact, value) {
  const own = spec(scope, fact)?.value_labels?.[value];
  const shared = state.described.values?.[value];
  return own ? t(own) : shared ? t(shared) : String(value);
}

// Roles: `roles` of /v1/facts when the pack declares them; before that, the role fact's values with
// the first as the principal role and every other role belonging to it.
function roles() {
  if (state.described.roles) return state.described.roles;
  const names = state.described.party.role?.values ?? [];
  return Object.fromEntries(names.map((name, i) => [name, {
    ...(state.described.values?.[name] ?? { zh: name, en: name }), of: i === 0 ? null : names[0] }]));
}
const roleText = (role) => t(roles()[role] ?? { zh: role, en: role });
const principal = (role) => roles()[role]?.of === null || roles()[role]?.of === undefined;
const principals = () => state.parties.filter((p) => principal(p.role));
// The parties a party of this role may belong to: those of the role it is declared `of`.
const owners = (role) => state.parties.filter((p) => p.role === roles()[role]?.of);

function stageText(stage) {
  const declared = state.described.stages?.[stage];
  return declared ? t(declared) : w(stage);
}
const groupText = (group) => t(state.described.groups?.[group] ?? { zh: group, en: group });

// Personal facts are per party; these three make the party itself and are edited apart.
const PARTY_SELF = ["id", "role", "of"];

// ---------------------------------------------------------------------------------------- facts

function autoId(role, self = null) {
  const taken = new Set(state.parties.filter((p) => p !== self).map((p) => p.id));
  const base = roleText(role);
  let id = base;
  for (let n = 2; taken.has(id); n++) id = `${base}${n}`;
  return id;
}

function newParty(role, of) {
  const party = { key: `p${nextKey++}`, id: "", autoId: true, role, of: principal(role) ? null : of, facts: {} };
  state.parties.push(party);
  party.id = autoId(role, party);
  return party;
}

const partyByKey = (key) => state.parties.find((p) => p.key === key);
const partyById = (id) => state.parties.find((p) => p.id === id);
const holderOf = (key) => (key.startsWith("app.") ? state.app : partyByKey(key.split(".")[0])?.facts);
const scopeOf = (key) => (key.startsWith("app.") ? "application" : "party");
const factOf = (key) => key.slice(key.indexOf(".") + 1);

function factsBody() {
  return {
    application: { ...state.app },
    parties: state.parties.map((p) => {
      const party = { id: p.id, role: p.role, ...p.facts };
      if (!principal(p.role)) party.of = partyByKey(p.of)?.id ?? owners(p.role)[0]?.id ?? null;
      return party;
    }),
    // Tracked from the start: nothing handed in yet is a fact, and the result says what is missing.
    received: [...state.received.values()]
      .filter((r) => r.partyKey === null || partyByKey(r.partyKey))  // a removed party's papers go with it
      .map((r) => ({ party: r.partyKey === null ? null : partyByKey(r.partyKey).id, document: r.document,
                     originals: r.originals, copies: r.copies })),
  };
}

// ---------------------------------------------------------------------------------------- input

// A date fact's `min`/`max` in the pack: a date, "today", or another date fact of the application
// (a birth date not after the signing date). Checked once both are known.
function dateBound(bound) {
  if (bound === null || bound === undefined) return null;
  if (bound === "today") return { value: today(), name: w("e_today") };
  if (/^\d{4}-\d{2}-\d{2}$/.test(bound)) return { value: bound, name: bound };
  const name = String(bound).replace(/^application\./, "");
  const value = state.app[name];
  return value && state.described.application[name] ? { value, name: factLabel("application", name) } : null;
}

function checkDate(key) {
  const value = holderOf(key)?.[factOf(key)];
  if (typeof value !== "string") return;
  const s = spec(scopeOf(key), factOf(key));
  const max = dateBound(s.max);
  const min = dateBound(s.min);
  if (max && value > max.value) state.local.set(key, ["e_before", max.name]);
  else if (min && value < min.value) state.local.set(key, ["e_after", min.name]);
}

// Re-check every typed field (and the date bounds that depend on other facts) after any change.
function revalidate() {
  state.local = new Map([...state.local].filter(([key]) => state.drafts.has(key) && holderOf(key)));
  for (const [key, raw] of state.drafts) {
    const holder = holderOf(key);
    if (!holder) { state.drafts.delete(key); continue; }
    const s = spec(scopeOf(key), factOf(key));
    state.local.delete(key);
    if (raw.trim() === "") { delete holder[factOf(key)]; continue; }
    const parsed = parse(s, raw);
    if (parsed.error) { state.local.set(key, parsed.error); delete holder[factOf(key)]; }
    else holder[factOf(key)] = parsed.value;
  }
  for (const key of allFactKeys()) if (spec(scopeOf(key), factOf(key)).kind === "date") checkDate(key);
  for (const party of state.parties) {
    const key = `${party.key}.id`;
    if (!party.id.trim()) state.local.set(key, ["e_id"]);
    else if (state.parties.some((p) => p !== party && p.id === party.id)) state.local.set(key, ["e_id_taken"]);
  }
}

function allFactKeys() {
  return [...Object.keys(state.described.application).map((f) => `app.${f}`),
          ...state.parties.flatMap((p) => Object.keys(state.described.party)
            .filter((f) => !PARTY_SELF.includes(f)).map((f) => `${p.key}.${f}`))];
}

function setAnswer(key, value) {
  const holder = holderOf(key);
  state.unknown.delete(key);
  if (value === undefined) delete holder[factOf(key)];
  else holder[factOf(key)] = value;
  changed();
}

function markUnknown(key, moveOn = true) {
  delete holderOf(key)[factOf(key)];
  state.drafts.delete(key);
  state.unknown.add(key);
  changed();
  renderForm();
  // the button is gone with the answer: the keyboard goes on to the next question, or stays on the field
  // (a list stays where it is: its arrow keys pass through "not known yet" on the way)
  if (!moveOn) return;
  const next = state.questions.find((q) => !state.unknown.has(q.key));
  ($(`f-${next?.key}`) ?? $(`f-${key}`))?.focus();
}

function control(key, label) {
  const scope = scopeOf(key);
  const fact = factOf(key);
  const s = spec(scope, fact);
  const value = holderOf(key)[fact];
  const described = [`h-${key}`, `e-${key}`].join(" ");
  const values = s.kind === "bool" ? ["true", "false"] : s.values;
  if (values) {
    const current = state.unknown.has(key) ? UNKNOWN : value === undefined ? "" : String(value);
    return el("select", { id: `f-${key}`, "data-field": key, "data-focus": `f-${key}`, "aria-describedby": described,
      "aria-invalid": errorsOf(key).length ? "true" : null,
      onkeydown: (e) => {
        if (e.key !== "Enter") return;
        e.preventDefault();
        const next = state.questions.find((q) => q.key !== key && !state.unknown.has(q.key));
        if (next) openField(next.key);
      },
      onchange: (e) => {
        if (e.target.value === UNKNOWN) { markUnknown(key, false); return; }
        const raw = e.target.value;
        setAnswer(key, raw === "" ? undefined : s.kind === "bool" ? raw === "true" : s.kind === "int" ? Number(raw) : raw);
        renderForm();
      } },
      el("option", { value: "" }, `— ${w("choose")} —`),
      values.map((v) => el("option", { value: String(v), selected: String(v) === current }, valueText(scope, fact, v))),
      el("option", { value: UNKNOWN, selected: current === UNKNOWN }, w("unknown")));
  }
  const typed = state.drafts.get(key) ?? (s.kind === "int" || s.kind === "decimal" ? formatted(s, value) : value ?? "");
  const numeric = s.kind === "int" || s.kind === "decimal";
  return el("input", { type: "text", id: `f-${key}`, "data-field": key, "data-focus": `f-${key}`, value: typed,
    "aria-describedby": described, "aria-invalid": errorsOf(key).length ? "true" : null,
    inputmode: numeric ? "decimal" : s.kind === "date" ? "numeric" : null,
    placeholder: s.kind === "date" ? "YYYY-MM-DD" : null, spellcheck: "false", maxlength: s.max_length ?? null,
    oninput: (e) => {
      if (e.isComposing) return;
      state.unknown.delete(key);
      if (s.kind === "text" || s.kind === "str") { state.drafts.delete(key); setAnswer(key, e.target.value === "" ? undefined : e.target.value); return; }
      state.drafts.set(key, e.target.value);
      changed();
    },
    onchange: (e) => {
      // the clerk left the field: show its error, or its value tidied (separators, YYYY-MM-DD)
      state.shown.add(key);
      if (!state.local.has(key) && numeric) {
        state.drafts.delete(key);
        e.target.value = formatted(s, holderOf(key)[fact]);
      } else if (!state.local.has(key) && s.kind === "date" && holderOf(key)[fact]) {
        state.drafts.delete(key);
        e.target.value = holderOf(key)[fact];
      }
      afterFocusMoves(() => { renderForm(); renderLink(); });
    },
    // Enter answers and goes on to the next question (the keyboard-only clerk's way through the form)
    onkeydown: (e) => {
      if (e.key !== "Enter") return;
      e.preventDefault();
      e.target.dispatchEvent(new Event("change"));
      if (state.local.has(key)) return;
      const next = state.questions.find((q) => q.key !== key && !state.unknown.has(q.key));
      if (next) openField(next.key);
    } });
}

// A field's change event fires as Tab leaves it, before the focus lands on the next control: redrawing
// then would put the focus back on the field and let Tab fall to the page body. Redraw once it landed.
function afterFocusMoves(render) {
  setTimeout(render, 0);
}

function errorsOf(key) {
  const out = [];
  if (state.local.has(key) && state.shown.has(key)) out.push(w(...state.local.get(key)));
  for (const e of state.server) if (e.key === key) out.push(e.text);
  return out;
}

function field(key, label, input, extra = null) {
  const errors = errorsOf(key);
  const s = key.includes(".") && !key.endsWith(".id") && !key.endsWith(".role") && !key.endsWith(".of")
    ? spec(scopeOf(key), factOf(key)) : null;
  const asked = state.questions.some((q) => q.key === key);
  const next = state.questions.find((q) => !state.unknown.has(q.key))?.key === key;
  const cls = ["field", asked && "ask", next && "next", errors.length && "bad", state.unknown.has(key) && "unknown"]
    .filter(Boolean).join(" ");
  const value = s ? holderOf(key)?.[factOf(key)] : undefined;
  const hint = s ? [t(s.help), amountHint(value, state.lang)].filter(Boolean).join(" · ") : "";
  const needsUnknown = s && !s.values && s.kind !== "bool" && value === undefined && !state.unknown.has(key) && asked;
  return el("div", { class: cls, "data-key": key, "data-group": s?.group ?? null },
    el("label", { for: `f-${key}` }, label, next ? el("span", { class: "badge" }, w("next")) : null),
    el("p", { class: "hint", id: `h-${key}` }, hint),
    el("div", { class: "control" }, input,
      needsUnknown ? el("button", { type: "button", class: "unknown-button", "data-unknown": key,
        "data-focus": `u-${key}`, onclick: () => markUnknown(key) }, w("unknown")) : null,
      state.unknown.has(key) && !(s && (s.values || s.kind === "bool"))
        ? el("span", { class: "unknown-note" }, w("unknown_marked")) : null,
      extra),
    el("p", { class: "error", id: `e-${key}` }, errors.join(" ")));
}

function factField(key) {
  const s = spec(scopeOf(key), factOf(key));
  return field(key, s.question ? t(s.question) : factLabel(scopeOf(key), factOf(key)), control(key));
}

// The pack's order for asking: what gates the most rules first; grouped facts (the signing day) last.
// Before the pack says how many rules a fact gates, the latest result's questions tell it.
function gatesOf(scope, fact) {
  const declared = spec(scope, fact).gates;
  if (typeof declared === "number") return declared;
  const asked = state.result?.questions?.filter((q) => q.fact === fact && (q.party === null) === (scope === "application"));
  return asked?.length ? Math.max(...asked.map((q) => q.rules.length)) : 0;
}

function ranked(scope, facts) {
  const order = Object.keys(state.described[scope]);
  return [...facts].sort((a, b) => gatesOf(scope, b) - gatesOf(scope, a) || order.indexOf(a) - order.indexOf(b));
}

function rankQuestions(questions) {
  const partyIndex = (q) => (q.party === null ? -1 : state.parties.findIndex((p) => p.id === q.party));
  const out = [];
  for (const q of questions) {
    const scope = q.party === null ? "application" : "party";
    const party = q.party === null ? null : partyById(q.party);
    if (!state.described[scope][q.fact] || (q.party !== null && !party)) continue;
    const s = spec(scope, q.fact);
    out.push({ key: q.party === null ? `app.${q.fact}` : `${party.key}.${q.fact}`, scope, fact: q.fact, party: q.party,
               gates: typeof s.gates === "number" ? s.gates : q.rules.length, group: s.group ?? null,
               order: Object.keys(state.described[scope]).indexOf(q.fact), at: partyIndex(q) });
  }
  // unknown answers go last, and so do grouped facts (known only later, e.g. on the signing day)
  const weight = (q) => (state.unknown.has(q.key) ? 2 : 0) + (q.group === null ? 0 : 1);
  return out.sort((a, b) => weight(a) - weight(b) || b.gates - a.gates || a.at - b.at || a.order - b.order);
}

// A first visit shows a few questions at a time, the most decisive first; the rest are listed with the
// result and open with one click.
const AT_ONCE = 5;
const askedNow = () => state.questions.filter((q) => !state.unknown.has(q.key)).slice(0, AT_ONCE).map((q) => q.key);

// The fields of one holder that the rules ask for now, that have a value or an error, or that the
// clerk opened; a picker for the others (a clerk may know more than asked yet).
function factFields(scope, prefix, holder, group) {
  const facts = Object.keys(state.described[scope])
    .filter((f) => !(scope === "party" && PARTY_SELF.includes(f)) && (spec(scope, f).group ?? null) === group);
  const shown = (fact) => {
    const key = `${prefix}.${fact}`;
    return askedNow().includes(key) || state.opened.has(key) || holder[fact] !== undefined
      || state.drafts.has(key) || state.unknown.has(key) || errorsOf(key).length;
  };
  const hidden = facts.filter((f) => !shown(f));
  // a field a block's fix asked for comes first: it is what the clerk came to fill in
  const fields = ranked(scope, facts.filter(shown))
    .sort((a, b) => state.fixing.has(`${prefix}.${b}`) - state.fixing.has(`${prefix}.${a}`))
    .map((f) => factField(`${prefix}.${f}`));
  if (hidden.length && group === null) {
    const owner = prefix === "app" ? w("application") : partyByKey(prefix)?.id;
    fields.push(el("div", { class: "field more" },
      el("label", { for: `more-${prefix}` }, w("more_label", owner)),
      el("div", { class: "control" }, el("select", { id: `more-${prefix}`, "data-more": prefix, "data-focus": `more-${prefix}`,
        onchange: (e) => {
          if (!e.target.value) return;
          openField(`${prefix}.${e.target.value}`);
        } }, el("option", { value: "" }, w("more")),
      hidden.map((f) => el("option", { value: f }, factLabel(scope, f)))))));
  }
  return fields;
}

function openField(key) {
  state.opened.add(key);
  renderForm();
  $(`f-${key}`)?.focus();
}

function keepFocus(render) {
  const active = document.activeElement;
  const focus = active?.dataset?.focus;
  const selection = active && "selectionStart" in active && active.type === "text"
    ? [active.selectionStart, active.selectionEnd] : null;
  render();
  if (!focus || document.activeElement?.dataset?.focus === focus) return;
  const again = document.querySelector(`[data-focus="${CSS.escape(focus)}"]`);
  if (again) {
    again.focus({ preventScroll: true });
    if (selection && again.setSelectionRange) again.setSelectionRange(...selection);
  }
}

// Chinese is typed through an input method: redrawing a field while a word is being composed would
// throw the word away. While composing, no check is sent and the form is redrawn once it ends.
let composing = false;
let redrawAfterComposing = false;

function renderForm() {
  if (composing) {
    redrawAfterComposing = true;
    return;
  }
  keepFocus(() => {
    $("app-fields").replaceChildren(...factFields("application", "app", state.app, null));
    $("parties").replaceChildren(...state.parties.map(partyBox));
    const names = Object.keys(roles());
    $("add-party").replaceChildren(el("span", { id: "add-party-title" }, w("add_party")),
      ...names.filter((r) => principal(r) || owners(r).length).map((role) =>
        el("button", { type: "button", "data-add-role": role, "data-focus": `add-${role}`,
                       onclick: () => addParty(role, owners(role)[0]?.key) }, w("add_role", roleText(role)))));
    $("grouped").replaceChildren(...groupsInUse().map((group) => {
      const parts = [el("div", { class: "fields" }, factFields("application", "app", state.app, group))];
      for (const party of state.parties) {
        const fields = factFields("party", party.key, party.facts, group);
        if (fields.length) parts.push(el("h3", {}, party.id), el("div", { class: "fields" }, fields));
      }
      return el("section", { class: "group", "aria-labelledby": `h-group-${group}`, "data-group": group },
        el("h2", { id: `h-group-${group}` }, groupText(group)), parts);
    }));
    $("reference").value = state.reference;
  });
  renderErrors();
}

function groupsInUse() {
  const groups = new Set();
  for (const scope of ["application", "party"]) {
    for (const s of Object.values(state.described[scope])) if (s.group) groups.add(s.group);
  }
  return [...groups];
}

// The party's own id, role and link: the pack's labels when /v1/facts lists them, else the page's words.
const selfLabel = (fact, word) => (state.described.party[fact]?.label ? t(state.described.party[fact].label) : w(word));

function partyBox(party) {
  const idKey = `${party.key}.id`;
  const base = [field(idKey, selfLabel("id", "party_id"),
    el("input", { type: "text", id: `f-${idKey}`, value: party.id, "data-field": idKey, "data-focus": `f-${idKey}`,
                  "aria-describedby": `h-${idKey} e-${idKey}`, "aria-invalid": errorsOf(idKey).length ? "true" : null,
                  oninput: (e) => { if (e.isComposing) return; party.id = e.target.value; party.autoId = false; state.shown.add(idKey); changed(); },
                  onchange: () => afterFocusMoves(renderForm) }))];
  const roleKey = `${party.key}.role`;
  base.push(field(roleKey, selfLabel("role", "party_role"),
    el("select", { id: `f-${roleKey}`, "data-field": roleKey, "data-focus": `f-${roleKey}`,
                   "aria-describedby": `h-${roleKey} e-${roleKey}`,
                   onchange: (e) => { changeRole(party, e.target.value); renderForm(); changed(); } },
      Object.keys(roles()).map((r) => el("option", { value: r, selected: r === party.role }, roleText(r))))));
  if (!principal(party.role)) {
    const ofKey = `${party.key}.of`;
    base.push(field(ofKey, selfLabel("of", "belongs_to"),
      el("select", { id: `f-${ofKey}`, "data-field": ofKey, "data-focus": `f-${ofKey}`,
                     "aria-describedby": `h-${ofKey} e-${ofKey}`,
                     onchange: (e) => { party.of = e.target.value; changed(); } },
        owners(party.role).map((b) => el("option", { value: b.key, selected: b.key === party.of }, b.id)))));
  }
  const remove = state.parties.length > 1
    ? el("button", { type: "button", class: "remove", "data-remove": party.key, "data-focus": `rm-${party.key}`,
                     onclick: () => removeParty(party) }, w("remove_party", party.id))
    : null;
  return el("div", { class: "party", "data-party": party.key, role: "group", "aria-labelledby": `t-${party.key}` },
    el("div", { class: "party-head" }, el("h3", { id: `t-${party.key}` },
      party.id === roleText(party.role) ? party.id : `${roleText(party.role)} · ${party.id}`), remove),
    el("div", { class: "fields" }, base, factFields("party", party.key, party.facts, null)));
}

function changeRole(party, role) {
  party.role = role;
  if (party.autoId) party.id = autoId(role, party);
  if (principal(role)) party.of = null;
  else if (!owners(role).some((p) => p.key === party.of)) party.of = owners(role).find((p) => p !== party)?.key ?? null;
}

function addParty(role, of, open = []) {
  const party = newParty(role, of);
  for (const fact of open) {
    state.opened.add(`${party.key}.${fact}`);
    state.fixing.add(`${party.key}.${fact}`);
  }
  renderForm();
  changed();
  $(`f-${party.key}.id`)?.focus();  // the new party's first field: its name
  $(`f-${party.key}.id`)?.select();
  return party;
}

function removeParty(party) {
  state.parties = state.parties.filter((p) => p !== party);
  for (const p of state.parties) if (p.of === party.key) p.of = owners(p.role)[0]?.key ?? null;
  renderForm();
  changed();
  $("add-party").querySelector("button")?.focus();
}

// ---------------------------------------------------------------------------------------- errors

function renderErrors() {
  const entries = [];
  for (const [key, error] of state.local) {
    if (state.shown.has(key)) entries.push({ key, text: w(...error) });
  }
  for (const e of state.server) entries.push(e);
  const box = $("error-summary");
  box.hidden = entries.length === 0;
  $("error-summary-title").textContent = w("errors_title", entries.length);
  box.querySelector("ul").replaceChildren(...entries.map((e) => {
    const label = e.key ? fieldName(e.key) : null;
    const text = label ? `${label}:${e.text}` : e.text;
    return el("li", {}, e.key && $(`f-${e.key}`)
      ? el("a", { href: `#f-${e.key}`, onclick: (ev) => { ev.preventDefault(); $(`f-${e.key}`)?.focus(); } }, text)
      : text);
  }));
}

function fieldName(key) {
  const [prefix, fact] = [key.slice(0, key.indexOf(".")), factOf(key)];
  const scope = scopeOf(key);
  const label = state.described[scope][fact] ? factLabel(scope, fact) : fact;
  return prefix === "app" ? label : `${partyByKey(prefix)?.id ?? ""} · ${label}`;
}

// A 422's errors by field: `application.NAME`, `parties[0].NAME`; the text in the page's
// language when the server gives it, else its message.
function serverErrors(errors) {
  return errors.map((e) => {
    const path = e.path || "";
    let key = null;
    const app = /^application\.(\w+)/.exec(path);
    const party = /^parties\[(\d+)\]\.(\w+)/.exec(path);
    if (app && state.described.application[app[1]]) key = `app.${app[1]}`;
    else if (party && state.parties[+party[1]]) key = `${state.parties[+party[1]].key}.${party[2]}`;
    const text = e.text ? t(e.text) : [e.message, e.hint].filter(Boolean).join(" ");
    return { key, text };
  });
}

// ---------------------------------------------------------------------------------------- check

function changed() {
  revalidate();
  state.link = "pending";
  state.attempt = 0;
  clearTimeout(retryTimer);
  clearTimeout(timer);
  timer = setTimeout(check, 250);
  document.body.dataset.busy = "1";
  renderLink();
}

async function check() {
  timer = null;
  const mine = ++sequence;
  if (state.local.size) {  // the page's own checks failed: nothing to send, the result stays stale
    state.link = "invalid";
    settle();
    return;
  }
  let response = null;
  let body = null;
  try {
    response = await fetch("/v1/check", { method: "POST", headers: { "content-type": "application/json" },
                                          body: JSON.stringify(factsBody()), signal: AbortSignal.timeout(20000) });
    body = await response.json().catch(() => null);
  } catch {
    response = null;
  }
  if (mine !== sequence || timer !== null) return;  // a newer check is on its way
  if (response?.ok && body && Array.isArray(body.items)) {
    state.result = body;
    state.server = [];
    state.link = "ok";
    state.attempt = 0;
    state.questions = rankQuestions(body.questions);
    state.clears = new Map();
    renderForm();
    renderResult();
    probeDates(body, mine);
  } else if (response?.status === 422 && Array.isArray(body?.errors)) {
    state.server = serverErrors(body.errors);
    state.link = "invalid";
    renderForm();
  } else {
    // 5xx, a stopped server, a cut connection: retry with backoff (1, 2, 4 … 30 s)
    state.link = "failed";
    state.attempt += 1;
    retryTimer = setTimeout(retry, Math.min(30, 2 ** (state.attempt - 1)) * 1000);
  }
  settle();
}

function retry() {
  clearTimeout(retryTimer);
  state.link = "pending";
  document.body.dataset.busy = "1";
  renderLink();
  check();
}

function settle() {
  if (state.link !== "ok") document.body.dataset.probing = "0";
  renderErrors();
  renderLink();
  if (timer === null) document.body.dataset.busy = "0";
}

function renderLink() {
  const stale = state.link !== "ok";
  $("result").dataset.stale = stale ? "1" : "0";
  $("bar").dataset.stale = stale ? "1" : "0";
  $("result").setAttribute("aria-busy", state.link === "pending" ? "true" : "false");
  const box = $("link");
  box.dataset.link = state.link;
  box.dataset.attempt = String(state.attempt);
  if (!stale || (state.link === "pending" && !state.result)) box.replaceChildren();
  else if (state.link === "pending") box.replaceChildren(el("span", {}, w("pending")));
  else if (state.link === "invalid" && $("error-summary").hidden) {
    box.replaceChildren(el("span", {}, w("typing")));  // its error shows when the clerk leaves the field
  } else if (state.link === "invalid") {
    box.replaceChildren(el("a", { href: "#error-summary", onclick: (e) => { e.preventDefault(); $("error-summary").focus(); } },
      w("invalid")));
  } else {
    box.replaceChildren(el("span", {}, w("failed", state.attempt)),
      el("button", { type: "button", id: "retry", "data-focus": "retry", onclick: retry }, w("retry")));
  }
  renderStatus();
}

// ---------------------------------------------------------------------------------------- result

const who = (party) => (party === null ? w("application") : party);
const SEVERITIES = ["block", "escalate", "warn", "info"];

// What the status bar says: a block other than papers not handed in stops signing; papers alone
// (the issue listing documents) are "not all handed in"; open questions come before those.
function view(result) {
  const blocks = result.issues.filter((i) => i.severity === "block");
  if (blocks.some((i) => !i.documents)) return "blocked";
  if (result.issues.some((i) => i.severity === "escalate")) return "needs_escalation";
  if (result.questions.length) return "incomplete";
  if (blocks.length) return "documents";
  return result.status;
}

function renderStatus() {
  const result = state.result;
  const status = $("status");
  if (!result) {
    status.className = "status";
    status.textContent = w("no_result");
    status.removeAttribute("data-status");
    $("counts").replaceChildren();
    return;
  }
  const shown = view(result);
  status.className = `status ${shown}`;
  status.textContent = w(shown);
  status.dataset.status = result.status;
  status.dataset.view = shown;
  // papers, not lines: a paper asked at two stages is one paper to bring
  const missing = new Set(result.items.filter((i) => i.missing === true).map((i) => `${i.party}|${i.document}`)).size;
  const open = state.questions.filter((q) => !state.unknown.has(q.key));
  const next = open[0];
  const acts = result.issues.filter((i) => (i.severity === "block" || i.severity === "escalate") && !i.documents);
  $("counts").replaceChildren(...[
    acts.length ? el("a", { href: "#issues", id: "blocks-link", onclick: (e) => {
      e.preventDefault();
      ($("issues").querySelector("[data-fix]") ?? $("issues").querySelector(".issue"))?.focus();
    } }, w("blocks_left", acts.length)) : null,
    result.questions.length ? el("span", {}, w("questions_left", result.questions.length)) : null,
    missing ? el("span", {}, w("documents_left", missing)) : null,
    next ? el("a", { href: `#f-${next.key}`, id: "next-link",
                     onclick: (e) => { e.preventDefault(); openField(next.key); } }, `${w("next")}: ${fieldName(next.key)}`) : null,
  ].filter(Boolean));
}

// Each amount of the result, named by the pack's words (the amount's name is their key), with separators.
function amountLines(result) {
  return Object.entries(result.amounts ?? {}).map(([name, value]) =>
    `${w(name)}: ${Number(value).toLocaleString("en-US")} ${w("amount_unit")}`.trim());
}

function groups(items) {
  const out = [];
  for (const item of items) {
    const last = out[out.length - 1];
    if (last && last.stage === item.stage && last.party === item.party) last.items.push(item);
    else out.push({ stage: item.stage, party: item.party, items: [item] });
  }
  return out;
}

function labelOf(result, ref) {
  const item = result.items.find((i) => i.party === ref.party && i.document === ref.document);
  return `${who(ref.party)}: ${item ? t(item.label) : ref.document}`;
}

// A phrase of the pack's message names a role or a fact by its label: that is the fix to offer.
function mentions(message, label) {
  if (!label) return false;
  if (message.zh && label.zh && message.zh.includes(label.zh)) return true;
  if (!message.en || !label.en) return false;
  const escaped = label.en.toLowerCase().replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`\\b${escaped}\\b`).test(message.en.toLowerCase());
}

// The fixes a block offers, derived from the pack's words: add a party of a role the message names
// (linked to the issue's party), or open and focus a fact the message names (on that party or on
// the parties of that role linked to it).
function fixes(issue) {
  if (issue.documents) return [];
  const out = [];
  const owner = issue.party === null ? principals()[0] : partyById(issue.party);
  const ownerKey = owner && principal(owner.role) ? owner.key : owner?.of;
  const factsNamed = (scope) => Object.keys(state.described[scope])
    .filter((f) => !(scope === "party" && PARTY_SELF.includes(f)) && mentions(issue.message, spec(scope, f).label));
  for (const [role, def] of Object.entries(roles())) {
    if (principal(role) || !mentions(issue.message, def)) continue;
    const linked = state.parties.filter((p) => p.role === role && p.of === ownerKey);
    const named = factsNamed("party");
    if (!linked.length) {
      out.push({ text: w("fix_add", roleText(role)), focus: `fix-add-${role}-${issue.party ?? ""}`,
                 run: () => addParty(role, ownerKey, named) });
    }
    for (const p of linked) {
      for (const f of named) {
        if (p.facts[f] === undefined) {
          out.push({ text: w("fix_field", `${p.id} · ${factLabel("party", f)}`), focus: `fix-${p.key}.${f}`,
                     run: () => { state.fixing.add(`${p.key}.${f}`); openField(`${p.key}.${f}`); } });
        }
      }
    }
  }
  // no role named: the facts the message names are the issue's own party's (or the application's)
  const scope = issue.party === null ? "application" : "party";
  const prefix = issue.party === null ? "app" : owner?.key;
  const roleNamed = Object.entries(roles()).some(([role, def]) => !principal(role) && mentions(issue.message, def));
  if (prefix && !roleNamed) {
    for (const f of factsNamed(scope)) {
      out.push({ text: w("fix_field", fieldName(`${prefix}.${f}`)), focus: `fix-${prefix}.${f}`,
                 run: () => openField(`${prefix}.${f}`) });
    }
  }
  return out;
}

function issueBox(result, issue) {
  // the papers not handed in are the checklist's unticked lines: listed here folded
  const docs = issue.documents ? el("details", {}, el("summary", {}, w("documents_left", issue.documents.length)),
    el("ul", {}, issue.documents.map((d) => el("li", {}, labelOf(result, d))))) : null;
  const actions = fixes(issue);
  const clears = state.clears.get(`${issue.code}|${issue.party ?? ""}`);
  return el("div", { class: `issue ${issue.severity}`, "data-issue": issue.code, tabindex: "-1" },
    el("p", {}, `${w(issue.severity)} · ${who(issue.party)}:${t(issue.message)}`),
    docs,
    clears ? el("p", { class: "clears", "data-clears": clears.date },
      w("clears_on").replace("{fact}", factLabel("application", clears.fact)).replace("{date}", clears.date)) : null,
    actions.length ? el("div", { class: "fixes" }, actions.map((a) =>
      el("button", { type: "button", "data-fix": "1", "data-focus": a.focus, onclick: a.run }, a.text))) : null);
}

function toggle(item, ticked) {
  const partyKey = item.party === null ? null : partyById(item.party)?.key;
  const key = `${partyKey ?? ""}|${item.document}`;
  if (ticked) {
    // a document handed in once counts for every stage that asks for it: take the largest request
    const asks = state.result.items.filter((i) => i.party === item.party && i.document === item.document);
    state.received.set(key, { partyKey, document: item.document,
                              originals: Math.max(...asks.map((i) => i.originals)),
                              copies: Math.max(...asks.map((i) => i.copies)) });
  } else {
    state.received.delete(key);
  }
  changed();
}

function extras(item) {
  return [...item.pages, ...item.notes].map(t).join(zh() ? ";" : "; ");
}

function renderQuestions() {
  const open = state.questions;
  if (!open.length) return [];
  return [el("h3", {}, w("questions")),
    el("ol", {}, open.map((q) => el("li", { class: state.unknown.has(q.key) ? "unknown" : null },
      el("a", { href: `#f-${q.key}`, onclick: (e) => { e.preventDefault(); openField(q.key); } }, fieldName(q.key)),
      q.group ? ` (${groupText(q.group)})` : "",
      state.unknown.has(q.key) ? ` · ${w("questions_unknown")}` : ""))),
    el("p", { class: "may-grow" }, w("may_grow"))];
}

function renderResult() {
  keepFocus(() => {
    const result = state.result;
    // the papers still to hand in come after the blocks a clerk must act on first
    const rank = (i) => SEVERITIES.indexOf(i.severity) * 2 + (i.documents ? 1 : 0);
    const issues = [...result.issues].sort((a, b) => rank(a) - rank(b));
    $("issues").replaceChildren(...issues.map((i) => issueBox(result, i)));
    $("questions").replaceChildren(...renderQuestions());
    let stage = null;
    const blocks = [];
    for (const group of groups(result.items)) {
      if (group.stage !== stage) {
        stage = group.stage;
        blocks.push(el("h3", {}, stageText(stage)));
      }
      const partyKey = group.party === null ? "" : partyById(group.party)?.key ?? "";
      blocks.push(el("h4", {}, who(group.party)), el("table", { "data-stage": group.stage, "data-party": group.party ?? "" },
        el("thead", {}, el("tr", {}, el("th", { scope: "col" }, w("received")), el("th", { scope: "col" }, w("document")),
          el("th", { scope: "col" }, w("originals")), el("th", { scope: "col" }, w("copies")),
          el("th", { scope: "col" }, w("notes")))),
        el("tbody", {}, group.items.map((item) => {
          const id = `tick-${group.stage}-${partyKey}-${item.document}`;
          return el("tr", { class: item.missing === true ? "missing" : item.missing === false ? "received" : "",
                            "data-document": item.document },
            el("td", { class: "tick" }, el("label", { class: "tick-target" },
              el("input", { type: "checkbox", id, "data-focus": id, checked: item.missing === false,
                            "aria-label": w("received_of", t(item.label)),
                            onchange: (e) => toggle(item, e.target.checked) }))),
            el("td", { class: "doc" }, t(item.label)),
            el("td", { class: "n", "data-label": w("originals") }, item.originals || "–"),
            el("td", { class: "n", "data-label": w("copies") }, item.copies || "–"),
            el("td", { class: "notes" }, extras(item)));
        }))));
    }
    $("checklist").replaceChildren(...blocks);
    $("amounts").replaceChildren(...amountLines(result).map((line) => el("span", { class: "amount" }, line)));
    $("pack").textContent = `${w("pack")}: ${result.pack.name} ${result.pack.version} · ${w("as_of")}: ${result.as_of}`;
    $("pack").dataset.digest = result.pack.digest;  // for support staff (devtools); never shown
  });
  renderStatus();
  renderHandout();
}

// Where a date decides (an age on the signing day, a dated policy), the first later value of the
// application's date facts that clears a block: asked of the server with that date moved, within a
// year. A block still there a year later is not the date's doing and gets no such line.
const HORIZON = 366;

function addDays(iso, days) {
  const d = new Date(`${iso}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

async function probeDates(result, mine) {
  const blocks = result.issues.filter((i) => (i.severity === "block" || i.severity === "escalate") && !i.documents);
  const facts = Object.keys(state.described.application)
    .filter((f) => spec("application", f).kind === "date" && typeof state.app[f] === "string");
  document.body.dataset.probing = blocks.length && facts.length ? "1" : "0";
  if (!blocks.length || !facts.length) return;
  const base = JSON.stringify(factsBody());
  const found = new Map();
  try {
    for (const fact of facts) {
      const seen = new Map();
      const present = async (offset) => {
        if (!seen.has(offset)) {
          const body = JSON.parse(base);
          body.application[fact] = addDays(state.app[fact], offset);
          const response = await fetch("/v1/check", { method: "POST", headers: { "content-type": "application/json" },
                                                      body: JSON.stringify(body) });
          if (!response.ok) throw new Error(String(response.status));
          seen.set(offset, new Set((await response.json()).issues.map((i) => `${i.code}|${i.party ?? ""}`)));
        }
        if (mine !== sequence) throw new Error("stale");
        return seen.get(offset);
      };
      for (const issue of blocks) {
        const key = `${issue.code}|${issue.party ?? ""}`;
        if (found.has(key) || (await present(HORIZON)).has(key)) continue;
        let [lo, hi] = [0, HORIZON];  // present at lo, cleared at hi
        while (hi - lo > 1) {
          const mid = Math.floor((lo + hi) / 2);
          if ((await present(mid)).has(key)) lo = mid;
          else hi = mid;
        }
        found.set(key, { fact, date: addDays(state.app[fact], hi) });
      }
    }
  } catch {
    return;  // a newer check or a failure: no date hints for a result that is no longer shown
  } finally {
    if (mine === sequence) document.body.dataset.probing = "0";
  }
  if (mine !== sequence || state.link !== "ok") return;
  state.clears = found;
  renderResult();
}

// ---------------------------------------------------------------------------------------- print

// Stages an issue holds up, when the pack says so (`stages` or `stage` on the issue).
function blockedStages(result) {
  const stages = new Set();
  for (const issue of result.issues) {
    if (issue.severity !== "block" && issue.severity !== "escalate") continue;
    for (const s of issue.stages ?? (issue.stage ? [issue.stage] : [])) stages.add(s);
  }
  return stages;
}

// The buyer's copy: a header, then per person one line per document (with the stages that ask for
// it), boxes to tick; no rule ids or internal codes.
function renderHandout() {
  const result = state.result;
  if (!result) return;
  const byId = new Map(state.parties.map((p) => [p.id, p]));
  const person = (party) => {
    if (party === null) return w("application");
    const role = roleText(byId.get(party)?.role);
    return party === role ? party : `${party}(${role})`;
  };
  const held = blockedStages(result);
  const dates = Object.keys(state.described.application)
    .filter((f) => spec("application", f).kind === "date" && state.app[f])
    .map((f) => [factLabel("application", f), state.app[f]]);
  const principalLabel = list([...new Set(principals().map((p) => roleText(p.role)))]);
  const head = el("dl", { class: "head" },
    el("dt", {}, principalLabel), el("dd", {}, list(principals().map((p) => p.id))),
    el("dt", {}, w("reference")), el("dd", {}, state.reference || w("blank")),
    dates.flatMap(([label, value]) => [el("dt", {}, label), el("dd", {}, value)]),
    el("dt", {}, w("pack")), el("dd", {}, `${result.pack.name} ${result.pack.version} · ${w("as_of")} ${result.as_of}`));
  const parts = [el("h1", {}, w("handout_title")), head, el("p", { class: "lead" }, w("handout_lead"))];
  // what to settle first; the papers not handed in are the unticked boxes below, so only counted here
  const todo = result.issues.filter((i) => i.severity === "block" || i.severity === "escalate")
    .sort((a, b) => (a.documents ? 1 : 0) - (b.documents ? 1 : 0));
  if (todo.length || result.questions.length) {
    parts.push(el("div", { class: "todo" }, el("strong", {}, w("handout_todo")),
      el("ul", {}, todo.map((i) => el("li", {}, t(i.message),
        i.documents ? `(${w("handout_unticked", i.documents.length)})` : "")),
      held.size ? el("li", { class: "held" }, list([...held].map(stageText)), " ", w("stage_blocked")) : null,
      result.questions.length ? el("li", { class: "may-grow" }, w("may_grow")) : null)));
  }
  // one line per document per person: a paper shown at several stages is brought once
  const people = [];
  for (const item of result.items) {
    let entry = people.find((p) => p.party === item.party);
    if (!entry) people.push(entry = { party: item.party, lines: [] });
    let line = entry.lines.find((l) => l.document === item.document);
    if (!line) entry.lines.push(line = { document: item.document, label: item.label, originals: 0, copies: 0,
                                         stages: [], extras: [], done: true });
    line.originals = Math.max(line.originals, item.originals);
    line.copies = Math.max(line.copies, item.copies);
    if (!line.stages.includes(item.stage)) line.stages.push(item.stage);
    if (extras(item) && !line.extras.includes(extras(item))) line.extras.push(extras(item));
    line.done = line.done && item.missing === false;
  }
  for (const entry of people) {
    parts.push(el("h2", {}, person(entry.party)), el("ul", { class: "docs" }, entry.lines.map((line) => {
      const onHold = line.stages.filter((s) => held.has(s));
      return el("li", { "data-document": line.document },
        el("span", { class: line.done ? "box done" : "box" }),
        el("span", {}, t(line.label), " — ",
          [line.originals ? w("original_n", line.originals) : "", line.copies ? w("copy_n", line.copies) : ""]
            .filter(Boolean).join(zh() ? "," : ", "),
          el("br"), el("small", {}, w("stages_of", list(line.stages.map(stageText))),
            onHold.length && onHold.length === line.stages.length ? ` ${w("stage_blocked")}` : ""),
          line.extras.length ? [el("br"), el("small", {}, line.extras.join(zh() ? ";" : "; "))] : null));
    })));
  }
  for (const line of amountLines(result)) parts.push(el("p", { class: "amount" }, el("strong", {}, line)));
  parts.push(el("footer", {}, `${w("pack")} ${result.pack.name} ${result.pack.version} · ${w("as_of")} ${result.as_of}`
    + ` · ${w("printed")} ${today()}`));
  $("handout").replaceChildren(...parts);
}

// ---------------------------------------------------------------------------------------- page

function renderWords() {
  document.documentElement.lang = zh() ? "zh-CN" : "en";
  document.title = `${w("title")} · docrules`;
  for (const node of document.querySelectorAll("[data-word]")) node.textContent = w(node.dataset.word);
  $("lang").lang = zh() ? "en" : "zh-CN";
  const pageOf = w("page_of").replace("{page}", '" counter(page) "').replace("{pages}", '" counter(pages) "');
  $("page-numbers").textContent = `@page { @bottom-center { content: "${pageOf}"; font-size: 9pt; } }`;
}

function switchLanguage() {
  state.lang = zh() ? "en" : "zh";
  let renamed = false;
  for (const party of state.parties) {
    if (party.autoId) { party.id = autoId(party.role, party); renamed = true; }
  }
  renderWords();
  renderForm();
  renderLink();
  if (state.result) renderResult();
  if (renamed) changed();
}

async function start() {
  try {
    const response = await fetch("/v1/facts");
    if (!response.ok) throw new Error(String(response.status));
    state.described = await response.json();
  } catch {
    state.link = "failed";
    $("link").replaceChildren(el("span", {}, w("failed", 1)));
    setTimeout(start, 3000);
    return;
  }
  const first = Object.keys(roles()).find(principal);
  newParty(first, null);
  $("lang").addEventListener("click", switchLanguage);
  $("print").addEventListener("click", () => window.print());
  $("reference").addEventListener("input", (e) => { state.reference = e.target.value; if (state.result) renderHandout(); });
  $("facts").addEventListener("submit", (e) => e.preventDefault());
  $("facts").addEventListener("compositionstart", () => { composing = true; });
  $("facts").addEventListener("compositionend", (e) => {
    composing = false;
    e.target.dispatchEvent(new Event("input", { bubbles: true }));  // the word typed, now as one input
    if (redrawAfterComposing) {
      redrawAfterComposing = false;
      renderForm();
    }
  });
  renderWords();
  renderForm();
  changed();
}

start();
