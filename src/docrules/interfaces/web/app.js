// The clerk's page: a form that grows as the rules ask, the result of POST /v1/check, and the buyer's
// printed handout. Document and issue wording comes from the result (the rule pack); fact labels and
// allowed values from GET /v1/facts; only the page's own words are here.
"use strict";

const WORDS = {
  title: ["购房签约资料清单", "Documents to sign the sale contract"],
  switch: ["English", "中文"],
  print: ["打印清单", "Print the list"],
  application: ["本次购房", "This purchase"],
  parties: ["当事人", "Parties"],
  add_party: ["+ 添加当事人", "+ Add a party"],
  remove: ["删除", "Remove"],
  more: ["+ 其他信息…", "+ More…"],
  handout_incomplete: ["信息尚未齐全,清单可能还会增加。", "Some information is still missing: the list may grow."],
  unknown: ["—", "—"],
  ready: ["可以签约", "Ready to sign"],
  blocked: ["不能签约", "Signing blocked"],
  needs_escalation: ["须报销售经理", "Refer to the sales manager"],
  incomplete: ["信息不全,请补充标出的项目", "Information missing: fill in the marked fields"],
  block: ["阻止签约", "Blocks signing"],
  escalate: ["须上报", "Needs the sales manager"],
  warn: ["注意", "Warning"],
  info: ["提示", "Note"],
  questions: ["尚需填写", "Still to fill in"],
  eligibility: ["资格核查(行政服务中心)", "Eligibility (administrative service centre)"],
  signing: ["签约", "Signing"],
  mortgage: ["按揭(银行)", "Mortgage (at the bank)"],
  received: ["已收", "Received"],
  document: ["资料", "Document"],
  originals: ["原件", "Originals"],
  copies: ["复印件", "Copies"],
  notes: ["页码/备注", "Pages / notes"],
  maintenance_fund: ["物业维修资金", "Maintenance fund"],
  yuan: ["元", "yuan"],
  pack: ["规则包", "Rule pack"],
  as_of: ["政策日期", "Policy date"],
  handout_title: ["签约须携带的资料", "Documents to bring to sign the contract"],
  handout_lead: ["请按下列清单准备资料,原件核对后退还。已交的资料已打勾。",
                 "Please bring the documents below. Originals are checked and handed back. Ticked ones are already handed in."],
  handout_todo: ["签约前尚需办理", "To be settled before signing"],
  handout_fund: ["物业维修资金应缴", "Maintenance fund due"],
  printed: ["打印日期", "Printed"],
  original_n: ["原件 {n} 份", "{n} original(s)"],
  copy_n: ["复印件 {n} 份", "{n} copy/copies"],
};

const state = {
  lang: "zh",
  described: null,        // GET /v1/facts
  app: {},                // application facts
  parties: [],            // [{key, id, role, of (a party key), facts: {}}]
  opened: new Set(),      // "app.FACT" or "KEY.FACT": fields the clerk opened with "+ more"
  tracking: false,        // once a box is ticked, the facts carry `received`
  received: new Map(),    // "partyKey|document" -> {partyKey, document, originals, copies}: keys survive renames
  result: null,
  asked: new Set(),       // fields the latest result asks for (shown while asked or filled in)
  bad: new Set(),         // fields the latest 422 names
};
let nextKey = 0;
let timer = null;
let sequence = 0;

const $ = (id) => document.getElementById(id);
const w = (key, n) => (WORDS[key] ? WORDS[key][state.lang === "zh" ? 0 : 1] : key).replace("{n}", n);
const t = (text) => text[state.lang];
const valueLabel = (v) => (state.described.values[v] ? t(state.described.values[v]) : String(v));

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

// ---------------------------------------------------------------------------------------- facts

// A readable id for a new party, until the clerk types a name: the role, numbered if taken.
function freeId(role, self = null) {
  const taken = new Set(state.parties.filter((p) => p !== self).map((p) => p.id));
  let id = role;
  for (let n = 2; taken.has(id); n++) id = `${role}${n}`;
  return id;
}

function newParty(role, of) {
  return { key: `p${nextKey++}`, id: freeId(role), autoId: true, role, of, facts: {} };
}

function buyers() {
  return state.parties.filter((p) => p.role === "buyer");
}

function factsBody() {
  const byKey = new Map(state.parties.map((p) => [p.key, p]));
  const body = {
    application: { ...state.app },
    parties: state.parties.map((p) => {
      const party = { id: p.id, role: p.role, ...p.facts };
      if (p.role !== "buyer") party.of = byKey.get(p.of)?.id ?? buyers()[0]?.id ?? null;
      return party;
    }),
  };
  if (state.tracking) {
    body.received = [...state.received.values()]
      .filter((r) => r.partyKey === null || byKey.has(r.partyKey))  // a removed party's papers go with it
      .map((r) => ({ party: r.partyKey === null ? null : byKey.get(r.partyKey).id, document: r.document,
                     originals: r.originals, copies: r.copies }));
  }
  return body;
}

function fieldKey(partyId, fact) {
  if (partyId === null) return `app.${fact}`;
  const party = state.parties.find((p) => p.id === partyId);
  return party ? `${party.key}.${fact}` : null;
}

function parse(kind, raw) {
  if (raw === "") return undefined;
  if (kind === "bool") return raw === "true";
  if (kind === "int") return Number.parseInt(raw, 10);
  return raw;
}

function input(key, spec, value, onValue) {
  const attrs = { "data-field": key, id: `f-${key}`, onchange: (e) => onValue(parse(spec.kind, e.target.value)),
                  oninput: (e) => { if (e.target.tagName === "INPUT") onValue(parse(spec.kind, e.target.value)); } };
  const values = spec.kind === "bool" ? ["true", "false"] : spec.values;
  if (values) {
    const current = value === undefined ? "" : String(value);
    return el("select", attrs, el("option", { value: "" }, w("unknown")),
      values.map((v) => el("option", { value: v, selected: v === current }, valueLabel(v))));
  }
  const type = { int: "number", date: "date" }[spec.kind] || "text";
  return el("input", { ...attrs, type, value: value ?? "", min: spec.kind === "int" ? 0 : null,
                       inputmode: spec.kind === "int" ? "numeric" : null });
}

function field(key, label, control) {
  const cls = ["field", state.asked.has(key) && "ask", state.bad.has(key) && "bad"].filter(Boolean).join(" ");
  return el("label", { class: cls }, el("span", {}, label), control);
}

function factField(scope, key, fact, holder) {
  const spec = state.described[scope][fact];
  return field(key, t(spec.label), input(key, spec, holder[fact], (value) => {
    if (value === undefined || Number.isNaN(value)) delete holder[fact];
    else holder[fact] = value;
    schedule();
  }));
}

// The fields of one holder (the application or a party) that the rules asked for or that have a value,
// and a picker for the others: a clerk may know more than the rules have asked yet (a contact's phone).
function factFields(scope, prefix, holder, skip = []) {
  const facts = Object.keys(state.described[scope]).filter((fact) => !skip.includes(fact));
  const shown = (fact) => state.asked.has(`${prefix}.${fact}`) || state.opened.has(`${prefix}.${fact}`)
    || holder[fact] !== undefined;
  const hidden = facts.filter((fact) => !shown(fact));
  const more = hidden.length ? el("label", { class: "field more" }, el("span", {}, "\u00a0"),
    el("select", { "data-more": prefix, onchange: (e) => {
      state.opened.add(`${prefix}.${e.target.value}`);
      renderForm();
      document.querySelector(`[data-field="${CSS.escape(`${prefix}.${e.target.value}`)}"]`)?.focus();
    } }, el("option", { value: "" }, w("more")),
      hidden.map((fact) => el("option", { value: fact }, t(state.described[scope][fact].label))))) : null;
  return [...facts.filter(shown).map((fact) => factField(scope, `${prefix}.${fact}`, fact, holder)), more];
}

function renderForm() {
  const focused = document.activeElement?.dataset?.field;
  $("app-fields").replaceChildren(...factFields("application", "app", state.app).filter(Boolean));

  const roles = state.described.party.role.values;
  $("parties").replaceChildren(...state.parties.map((party) => {
    const base = [
      field(`${party.key}.id`, t(state.described.party.id.label),
        el("input", { type: "text", value: party.id, "data-field": `${party.key}.id`, id: `f-${party.key}.id`,
                      oninput: (e) => { party.id = e.target.value; party.autoId = false; schedule(); } })),
      field(`${party.key}.role`, t(state.described.party.role.label),
        el("select", { "data-field": `${party.key}.role`, id: `f-${party.key}.role`,
                       onchange: (e) => { changeRole(party, e.target.value); renderForm(); schedule(); } },
          roles.map((r) => el("option", { value: r, selected: r === party.role }, valueLabel(r))))),
    ];
    if (party.role !== "buyer") {
      base.push(field(`${party.key}.of`, t(state.described.party.of.label),
        el("select", { "data-field": `${party.key}.of`, id: `f-${party.key}.of`,
                       onchange: (e) => { party.of = e.target.value; schedule(); } },
          buyers().map((b) => el("option", { value: b.key, selected: b.key === party.of }, b.id)))));
    }
    const facts = factFields("party", party.key, party.facts, ["id", "role", "of"]);
    const remove = state.parties.length > 1
      ? el("button", { type: "button", "data-remove": party.key, onclick: () => removeParty(party) }, w("remove"))
      : null;
    return el("div", { class: "party", "data-party": party.key },
      el("header", {}, el("span", {}, `${valueLabel(party.role)} · ${party.id}`), remove),
      el("div", { class: "fields" }, base, facts));
  }));
  if (focused) document.querySelector(`[data-field="${CSS.escape(focused)}"]`)?.focus();
}

function changeRole(party, role) {
  party.role = role;
  if (party.autoId) party.id = freeId(role, party);  // "spouse" would mislead for a contact person
  if (role !== "buyer" && !party.of) party.of = buyers()[0]?.key;
}

function removeParty(party) {
  state.parties = state.parties.filter((p) => p !== party);
  for (const p of state.parties) if (p.of === party.key) p.of = buyers()[0]?.key;
  renderForm();
  schedule();
}

// ---------------------------------------------------------------------------------------- check

function schedule() {
  document.body.dataset.busy = "1";
  clearTimeout(timer);
  timer = setTimeout(check, 250);
}

async function check() {
  timer = null;
  const mine = ++sequence;
  const response = await fetch("/v1/check", { method: "POST", headers: { "content-type": "application/json" },
                                              body: JSON.stringify(factsBody()) });
  const body = await response.json();
  if (mine !== sequence) return;  // a newer check is on its way
  const marks = () => JSON.stringify([[...state.asked], [...state.bad]]);
  const before = marks();
  state.bad = new Set();
  if (response.ok) {
    state.result = body;
    $("errors").replaceChildren();
    state.asked = new Set(body.questions.map((q) => fieldKey(q.party, q.fact)).filter(Boolean));
    if (marks() !== before) renderForm();  // rebuilding the inputs under a typing clerk only when needed
    renderResult();
  } else {
    const errors = body.errors || [];
    for (const e of errors) {
      const m = /^parties\[(\d+)\]\.(\w+)$/.exec(e.path || "") || /^application\.(\w+)$/.exec(e.path || "");
      if (m && m.length === 3 && state.parties[+m[1]]) state.bad.add(`${state.parties[+m[1]].key}.${m[2]}`);
      else if (m && m.length === 2) state.bad.add(`app.${m[1]}`);
    }
    renderForm();
    $("errors").replaceChildren(...errors.map((e) => el("li", {}, e.message, e.hint ? ` (${e.hint})` : "")));
  }
  if (timer === null) document.body.dataset.busy = "0";
}

// ---------------------------------------------------------------------------------------- result

const who = (party) => (party === null ? w("application") : party);

const SEVERITIES = ["block", "escalate", "warn", "info"];

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

function issueBox(result, issue) {
  const docs = issue.documents ? el("ul", {}, issue.documents.map((d) => el("li", {}, labelOf(result, d)))) : null;
  return el("div", { class: `issue ${issue.severity}`, "data-issue": issue.code },
    `${w(issue.severity)} · [${who(issue.party)}] ${t(issue.message)} `, el("code", {}, issue.code), docs);
}

function toggle(item, ticked) {
  state.tracking = true;
  const partyKey = item.party === null ? null : state.parties.find((p) => p.id === item.party)?.key;
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
  schedule();
}

function extras(item) {
  return [...item.pages, ...item.notes].map(t).join(state.lang === "zh" ? ";" : "; ");
}

function renderResult() {
  const result = state.result;
  $("status").className = `status ${result.status}`;
  $("status").textContent = w(result.status);
  $("status").dataset.status = result.status;
  const issues = [...result.issues].sort((a, b) => SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity));
  $("issues").replaceChildren(...issues.map((i) => issueBox(result, i)));
  $("questions").replaceChildren(...(result.questions.length ? [
    el("strong", {}, `${w("questions")}: `),
    result.questions.map((q) => {
      const scope = q.party === null ? "application" : "party";
      return `[${who(q.party)}] ${t(state.described[scope][q.fact].label)}`;
    }).join(state.lang === "zh" ? "、" : ", ")] : []));

  let stage = null;
  const blocks = [];
  for (const group of groups(result.items)) {
    if (group.stage !== stage) {
      stage = group.stage;
      blocks.push(el("h3", {}, w(stage)));
    }
    blocks.push(el("h4", {}, who(group.party)), el("table", { "data-stage": group.stage, "data-party": group.party ?? "" },
      el("tr", {}, el("th", {}, w("received")), el("th", {}, w("document")), el("th", {}, w("originals")),
        el("th", {}, w("copies")), el("th", {}, w("notes"))),
      group.items.map((item) => el("tr", { class: item.missing === true ? "missing" : item.missing === false ? "received" : "",
                                           "data-document": item.document },
        el("td", { class: "n" }, el("input", { type: "checkbox", checked: item.missing === false,
          "aria-label": `${w("received")}: ${t(item.label)}`,
          onchange: (e) => toggle(item, e.target.checked) })),
        el("td", { class: "doc" }, t(item.label)), el("td", { class: "n" }, item.originals || "–"),
        el("td", { class: "n" }, item.copies || "–"), el("td", {}, extras(item))))));
  }
  $("checklist").replaceChildren(...blocks);
  const fund = result.amounts.maintenance_fund;
  $("amounts").textContent = fund === undefined ? "" : `${w("maintenance_fund")}: ${fund.toLocaleString("en-US")} ${w("yuan")}`;
  $("pack").replaceChildren(`${w("pack")}: ${result.pack.name} ${result.pack.version} `,
    el("code", {}, result.pack.digest), ` · ${w("as_of")}: ${result.as_of}`);
  renderHandout();
}

// The buyer's copy: what to bring, per stage and person, with boxes; no rule ids or internal codes.
function renderHandout() {
  const result = state.result;
  const roles = new Map(state.parties.map((p) => [p.id, p.role]));
  const person = (party) => (party === null ? w("application") : `${party}(${valueLabel(roles.get(party))})`);
  const todo = result.issues.filter((i) => i.severity === "block" || i.severity === "escalate");
  const parts = [el("h1", {}, w("handout_title")), el("p", { class: "lead" }, w("handout_lead"))];
  if (todo.length || result.status === "incomplete") {
    parts.push(el("div", { class: "todo" }, el("strong", {}, w("handout_todo")),
      el("ul", {}, todo.map((i) => el("li", {}, t(i.message),
        i.documents ? `: ${i.documents.map((d) => labelOf(result, d)).join(state.lang === "zh" ? "、" : "; ")}` : "")),
      result.status === "incomplete" ? el("li", {}, w("handout_incomplete")) : null)));
  }
  let stage = null;
  for (const group of groups(result.items)) {
    if (group.stage !== stage) {
      stage = group.stage;
      parts.push(el("h2", {}, w(stage)));
    }
    parts.push(el("h3", {}, person(group.party)), el("ul", { class: "docs" }, group.items.map((item) =>
      el("li", {}, el("span", { class: item.missing === false ? "box done" : "box" }),
        el("span", {}, t(item.label), " — ",
          [item.originals ? w("original_n", item.originals) : "", item.copies ? w("copy_n", item.copies) : ""]
            .filter(Boolean).join(state.lang === "zh" ? "," : ", "),
          extras(item) ? el("br") : null, extras(item) ? el("small", {}, extras(item)) : null)))));
  }
  const fund = result.amounts.maintenance_fund;
  if (fund !== undefined) {
    parts.push(el("p", {}, el("strong", {}, `${w("handout_fund")}: ${fund.toLocaleString("en-US")} ${w("yuan")}`)));
  }
  parts.push(el("footer", {}, `${w("pack")} ${result.pack.name} ${result.pack.version} (${result.pack.digest}) · `
    + `${w("as_of")} ${result.as_of} · ${w("printed")} ${new Date().toISOString().slice(0, 10)}`));
  $("handout").replaceChildren(...parts);
}

// ---------------------------------------------------------------------------------------- page

function renderWords() {
  document.documentElement.lang = state.lang === "zh" ? "zh-CN" : "en";
  document.title = `${w("title")} · docrules`;
  for (const node of document.querySelectorAll("[data-word]")) node.textContent = w(node.dataset.word);
}

async function start() {
  state.described = await (await fetch("/v1/facts")).json();
  state.parties.push(newParty("buyer", null));
  $("lang").addEventListener("click", () => {
    state.lang = state.lang === "zh" ? "en" : "zh";
    renderWords();
    renderForm();
    if (state.result) renderResult();
  });
  $("print").addEventListener("click", () => window.print());
  $("add-party").addEventListener("click", () => {
    const role = buyers().length ? "spouse" : "buyer";
    state.parties.push(newParty(role, buyers()[0]?.key ?? null));
    renderForm();
    schedule();
  });
  $("facts").addEventListener("submit", (e) => e.preventDefault());
  renderWords();
  renderForm();
  schedule();
}

start();
