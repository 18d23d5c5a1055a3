import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { CATALOGUES, applyStrings, language, plural, setLanguage, t } from "../lib/strings.js";

const UI = join(dirname(fileURLToPath(import.meta.url)), "..");
const ENGLISH = CATALOGUES.en;
const HTML = readFileSync(join(UI, "index.html"), "utf8");

/** Runs `body` with a partial French catalogue in place, then takes it away again. */
function withFrench(entries, body) {
  CATALOGUES.fr = Object.freeze(entries);
  try {
    setLanguage("fr");
    body();
  } finally {
    setLanguage("en");
    delete CATALOGUES.fr;
  }
}

// ---- t(), plural(), setLanguage() ----

test("t fills placeholders from params and leaves unknown ones visible", () => {
  assert.equal(t("steps.label", { number: 2, total: 5 }), "Step 2 of 5");
  assert.equal(t("follow.wrongExpected", { button: "Start", expected: "Power" }), "That was Start; the next button is Power");
  assert.equal(t("steps.label", { number: 2 }), "Step 2 of {total}");
  // A param's own braces are not filled again.
  assert.equal(t("assist.voice.heard", { text: "{number}" }), "Heard: \u201c{number}\u201d");
  assert.equal(t("steps.done"), "Done");
});

test("a key missing everywhere comes back as the key itself", () => {
  assert.equal(t("no.such.key"), "no.such.key");
  assert.equal(t("no.such.key", { a: 1 }), "no.such.key");
  assert.equal(t("toString"), "toString");
});

test("a language without a key falls back to English", () => {
  withFrench({ "steps.done": "Termin\u00e9", "steps.label": "\u00c9tape {number} sur {total}" }, () => {
    assert.equal(language(), "fr");
    assert.equal(t("steps.done"), "Termin\u00e9");
    assert.equal(t("steps.label", { number: 1, total: 3 }), "\u00c9tape 1 sur 3");
    assert.equal(t("follow.off"), "Follow along is off");
    assert.equal(t("no.such.key"), "no.such.key");
  });
  assert.equal(t("steps.done"), "Done");
});

test("setLanguage falls back to the base language, then to English", () => {
  assert.equal(setLanguage("xx"), "en");
  assert.equal(language(), "en");
  assert.equal(setLanguage(undefined), "en");
  withFrench({}, () => {
    assert.equal(setLanguage("fr-CA"), "fr");
    assert.equal(setLanguage("de"), "en");
  });
  assert.equal(language(), "en");
});

test("plural picks the language's form, then other, then English", () => {
  assert.equal(plural("library.pack.questions", 1), "1 question");
  assert.equal(plural("library.pack.questions", 0), "0 questions");
  assert.equal(plural("library.pack.questions", 7), "7 questions");
  withFrench({ "library.pack.questions.one": "{count} question (fr)", "library.pack.questions.other": "{count} questions (fr)" }, () => {
    // French counts 0 as singular.
    assert.equal(plural("library.pack.questions", 0), "0 question (fr)");
    assert.equal(plural("library.pack.questions", 2), "2 questions (fr)");
    assert.equal(plural("library.encode.folders", 2), "Encoding 2 folders\u2026");
  });
  withFrench({ "library.pack.questions.other": "{count} questions (fr)" }, () => {
    assert.equal(plural("library.pack.questions", 1), "1 questions (fr)");
  });
  assert.equal(plural("no.such.key", 2), "no.such.key.other");
});

test("applyStrings writes texts and attributes and the page language", () => {
  const node = (attributes) => ({
    attributes: { ...attributes },
    textContent: "old",
    getAttribute(name) {
      return this.attributes[name] ?? null;
    },
    setAttribute(name, value) {
      this.attributes[name] = value;
    },
  });
  const label = node({ "data-i18n": "assist.ask" });
  const button = node({ "data-i18n-title": "assist.nav.nextTitle", "data-i18n-aria-label": "errors.dismiss" });
  const input = node({ "data-i18n-placeholder": "assist.question.placeholder" });
  const all = [label, button, input];
  const root = {
    documentElement: { lang: "" },
    querySelectorAll(selector) {
      const name = /^\[([\w-]+)\]$/.exec(selector)[1];
      return all.filter((n) => n.getAttribute(name) !== null);
    },
  };
  applyStrings(root);
  assert.equal(label.textContent, "Ask");
  assert.equal(button.textContent, "old");
  assert.equal(button.attributes.title, "Next step (\u2192 or n)");
  assert.equal(button.attributes["aria-label"], "Dismiss the error");
  assert.equal(input.attributes.placeholder, "How do I \u2026?");
  assert.equal(root.documentElement.lang, "en");
});

// ---- index.html against the catalogue ----

const ENTITIES = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: "\u00a0", hellip: "\u2026", rarr: "\u2192", larr: "\u2190", times: "\u00d7", mdash: "\u2014" };

function decode(text) {
  return text.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (match, name) => {
    if (name[0] === "#") return String.fromCodePoint(name[1].toLowerCase() === "x" ? parseInt(name.slice(2), 16) : Number(name.slice(1)));
    assert.ok(Object.hasOwn(ENTITIES, name), `index.html uses the entity ${match}: add it to the test's table`);
    return ENTITIES[name];
  });
}

const normalise = (text) => decode(text).replace(/\s+/g, " ").trim();

/** Every start tag of index.html with a data-i18n* attribute: {tag, attributes, after (the HTML after it)}. */
function translatedTags() {
  const tags = [];
  for (const match of HTML.matchAll(/<([a-zA-Z][\w-]*)(\s[^>]*?)?\/?>/g)) {
    const attributes = {};
    for (const [, name, value] of (match[2] ?? "").matchAll(/([\w-]+)="([^"]*)"/g)) attributes[name] = decode(value);
    if (Object.keys(attributes).some((name) => name.startsWith("data-i18n"))) {
      tags.push({ tag: match[1].toLowerCase(), attributes, after: HTML.slice(match.index + match[0].length) });
    }
  }
  return tags;
}

const HTML_ATTRIBUTES = { "data-i18n-title": "title", "data-i18n-placeholder": "placeholder", "data-i18n-aria-label": "aria-label" };

test("index.html's English is the catalogue's English, key by key", () => {
  const tags = translatedTags();
  assert.ok(tags.length > 50, `only ${tags.length} translated elements found`);
  for (const { tag, attributes, after } of tags) {
    for (const [name, key] of Object.entries(attributes)) {
      if (!name.startsWith("data-i18n")) continue;
      assert.ok(name === "data-i18n" || Object.hasOwn(HTML_ATTRIBUTES, name), `<${tag}> has an unknown ${name}`);
      assert.ok(Object.hasOwn(ENGLISH, key), `index.html uses ${name}="${key}", which is not in the English catalogue`);
      if (name === "data-i18n") {
        // applyStrings replaces the whole text: the element must hold text only, no elements.
        const content = new RegExp(`^([^<]*)</${tag}>`).exec(after);
        assert.ok(content, `<${tag} data-i18n="${key}"> holds other elements, which applyStrings would remove: put the text in a <span>`);
        assert.equal(normalise(content[1]), ENGLISH[key], `the text of <${tag} data-i18n="${key}">`);
      } else {
        const attribute = HTML_ATTRIBUTES[name];
        assert.ok(Object.hasOwn(attributes, attribute), `<${tag} ${name}="${key}"> has no ${attribute} to show before the scripts run`);
        assert.equal(attributes[attribute].replace(/\s+/g, " ").trim(), ENGLISH[key], `the ${attribute} of <${tag} ${name}="${key}">`);
      }
    }
  }
});

// ---- the scripts against the catalogue ----

function scriptFiles(folder) {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return entry.name === "tests" || entry.name === "node_modules" ? [] : scriptFiles(path);
    return entry.name.endsWith(".js") ? [path] : [];
  });
}

const SCRIPTS = scriptFiles(UI).map((path) => ({ path: relative(UI, path), source: readFileSync(path, "utf8") }));

/** The keys of `t("…")` and `plural("…", n)` calls, with where they are. */
function scriptKeys() {
  const keys = [];
  for (const { path, source } of SCRIPTS) {
    for (const [, call, key] of source.matchAll(/\b(t|plural)\(\s*"([^"]*)"/g)) keys.push({ path, call, key });
  }
  return keys;
}

test("every t() and plural() key in the scripts is in the English catalogue", () => {
  const keys = scriptKeys();
  assert.ok(keys.length > 100, `only ${keys.length} t() calls found`);
  for (const { path, call, key } of keys) {
    if (call === "t") assert.ok(Object.hasOwn(ENGLISH, key), `${path}: t("${key}") is not in the English catalogue`);
    else {
      assert.ok(Object.hasOwn(ENGLISH, `${key}.one`) && Object.hasOwn(ENGLISH, `${key}.other`), `${path}: plural("${key}") needs ${key}.one and ${key}.other`);
    }
  }
});

test("every t() and plural() call outside the catalogue names its key literally", () => {
  for (const { path, source } of SCRIPTS) {
    if (path === join("lib", "strings.js")) continue;
    // A key built at run time could not be checked by the test above.
    const computed = [...source.matchAll(/\b(?:t|plural)\(\s*[^"\s)]/g)].map((m) => m[0]);
    assert.deepEqual(computed, [], `${path} calls t() or plural() with a computed key`);
  }
});

test("every key of the catalogue is used, and no language has keys English lacks", () => {
  const used = new Set();
  for (const match of HTML.matchAll(/data-i18n(?:-[\w-]+)?="([^"]*)"/g)) used.add(match[1]);
  for (const { call, key } of scriptKeys()) {
    if (call === "t") used.add(key);
    else for (const form of Object.keys(ENGLISH).filter((k) => k.startsWith(`${key}.`))) used.add(form);
  }
  const unused = Object.keys(ENGLISH).filter((key) => !used.has(key));
  assert.deepEqual(unused, [], "keys in the English catalogue that neither index.html nor the scripts use");
  for (const [code, catalogue] of Object.entries(CATALOGUES)) {
    const stray = Object.keys(catalogue).filter((key) => !Object.hasOwn(ENGLISH, key));
    assert.deepEqual(stray, [], `keys of the ${code} catalogue that English lacks`);
  }
});

test("no catalogue text is empty or padded", () => {
  for (const [key, text] of Object.entries(ENGLISH)) {
    assert.equal(typeof text, "string", key);
    assert.ok(text.length > 0 && text === text.trim(), `"${key}" is empty or starts or ends with a space`);
  }
});
