// What a clerk types, read exactly: whole numbers and amounts ("150万", "1,500,000"), decimals and dates
// (YYYY-MM-DD and the usual variants). Each returns {value} or {error: [word key, detail]}. Pure.

export const YEARS = [1900, 2100];  // dates outside are typing slips, whatever the pack says

// A whole number as clerks type it: "1500000", "1,500,000", "150万", "1.5万", full-width digits.
// Exact (BigInt), so a fraction of the unit is refused instead of cut; no exponent notation.
export function parseInteger(raw, s) {
  let text = raw.normalize("NFKC").replace(/[\s,_'’]/g, "").replace(/元$/, "");
  if (/^[-+]?[\d.]+e[-+]?\d+$/i.test(text)) return { error: ["e_exponent"] };
  let scale = 1n;
  if (text.endsWith("万")) [text, scale] = [text.slice(0, -1), 10000n];
  else if (text.endsWith("亿")) [text, scale] = [text.slice(0, -1), 100000000n];
  const m = /^([-+]?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m) return { error: ["e_number"] };
  const frac = m[3] ?? "";
  const scaled = BigInt(m[2] + frac) * scale;
  const divisor = 10n ** BigInt(frac.length);
  if (scaled % divisor !== 0n) return { error: ["e_whole"] };
  const value = Number((m[1] === "-" ? -1n : 1n) * (scaled / divisor));
  const min = s.min ?? 0;
  if (value < min) return { error: ["e_min", min.toLocaleString("en-US")] };
  if (s.max !== undefined && s.max !== null && value > s.max) return { error: ["e_max", s.max.toLocaleString("en-US")] };
  if (!Number.isSafeInteger(value)) return { error: ["e_max", Number.MAX_SAFE_INTEGER.toLocaleString("en-US")] };
  return { value };
}

export function parseDecimal(raw, s) {
  const text = raw.normalize("NFKC").replace(/[\s,_'’]/g, "");
  if (/e/i.test(text)) return { error: ["e_exponent"] };
  if (!/^[-+]?\d+(\.\d+)?$/.test(text)) return { error: ["e_number"] };
  const value = Number(text);
  if (s.min !== undefined && s.min !== null && value < s.min) return { error: ["e_min", s.min] };
  if (s.max !== undefined && s.max !== null && value > s.max) return { error: ["e_max", s.max] };
  return { value };
}

export const pad = (n, size = 2) => String(n).padStart(size, "0");
export const today = () => { const d = new Date(); return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`; };

// A date as YYYY-MM-DD; also read: 2026/12/1, 2026.12.1, 2026年12月1日, 20261201.
export function parseDate(raw) {
  const text = raw.normalize("NFKC").trim();
  const m = /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$/.exec(text) || /^(\d{4})(\d{2})(\d{2})$/.exec(text);
  if (!m) return { error: ["e_date"] };
  const [y, mo, d] = [+m[1], +m[2], +m[3]];
  if (y < YEARS[0] || y > YEARS[1]) return { error: ["e_year", `${YEARS[0]}–${YEARS[1]}`] };
  const day = new Date(Date.UTC(y, mo - 1, d));
  if (day.getUTCFullYear() !== y || day.getUTCMonth() !== mo - 1 || day.getUTCDate() !== d) return { error: ["e_no_day"] };
  return { value: `${pad(y, 4)}-${pad(mo)}-${pad(d)}` };
}

export function parse(s, raw) {
  if (s.kind === "int") return parseInteger(raw, s);
  if (s.kind === "decimal") return parseDecimal(raw, s);
  if (s.kind === "date") return parseDate(raw);
  return { value: raw };
}

// Display of a number: separators, and 万 in Chinese for large amounts.
export function formatted(s, value) {
  if (typeof value !== "number") return value ?? "";
  return value.toLocaleString("en-US", { maximumFractionDigits: 20 });
}
export function amountHint(value, lang) {
  if (typeof value !== "number" || Math.abs(value) < 10000 || lang !== "zh") return "";
  return `${(value / 10000).toLocaleString("zh-CN", { maximumFractionDigits: 4 })} 万`;
}

