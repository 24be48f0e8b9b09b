// What Guichet's browser checks look at on one loaded page: axe-core (WCAG 2.1 A/AA and best
// practices), the language, the title and the <h1>, a keyboard walk with the focus style of
// each stop, reflow at 320 and 640 CSS px (and at 320 px with WCAG 1.4.12's text spacing).
// Shared by axe.mjs (one page per address) and journey.mjs (the pages a person goes through).

import { createRequire } from "node:module";
import { join } from "node:path";

const require = createRequire(import.meta.url);
const AXE_PATH = require.resolve("axe-core/axe.min.js");

// The rules of WCAG 2.1 levels A and AA (which RGAA 4.1 maps to), and axe's best practices,
// reported as notes by the Rust side.
const ALL_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"];
// 320 CSS px is WCAG 1.4.10's reflow width (400 % zoom of a 1280 px screen); 640 is 200 % zoom.
const REFLOW_WIDTHS = [320, 640];
export const DESKTOP = { width: 1280, height: 900 };
const MAX_TAB_STOPS = 120;
// The minimums of WCAG 1.4.12 (text spacing), as the usual bookmarklet applies them.
const TEXT_SPACING_CSS = `* { line-height: 1.5 !important; letter-spacing: 0.12em !important;
  word-spacing: 0.16em !important; } p { margin-bottom: 2em !important; }`;

// Analyses the page `page` shows now, labelled `path` in the report. Same-origin links found go
// into `links` (href → first page), screenshots (desktop and 320 px) into `screenshots` when
// set. Leaves the page at desktop size; the text-spacing style stays until the next navigation.
export async function analyse(page, path, result, { links, screenshots }) {
  result.lang = await page.evaluate(() => document.documentElement.getAttribute("lang"));
  result.title = await page.title();
  result.h1 = await page.evaluate(() =>
    [...document.querySelectorAll("h1")].map((h) => h.textContent.trim()),
  );
  for (const href of await page.evaluate(sameOriginLinks)) {
    if (links && !links.has(href)) links.set(href, path);
  }

  await page.addScriptTag({ path: AXE_PATH });
  await page.addScriptTag({
    content: `window.__guichetCssPath = ${cssPath.toString()}; window.__guichetStyleOf = ${styleOf.toString()};`,
  });
  const axe = await page.evaluate(async (tags) => {
    const r = await window.axe.run(document, {
      runOnly: { type: "tag", values: tags },
      resultTypes: ["violations", "incomplete"],
    });
    const shape = (v) => ({
      id: v.id,
      impact: v.impact,
      tags: v.tags,
      help: v.help,
      help_url: v.helpUrl,
      nodes: v.nodes.map((n) => ({
        target: n.target.map(String),
        summary: n.failureSummary || "",
      })),
    });
    return {
      version: window.axe.version,
      violations: r.violations.map(shape),
      incomplete: r.incomplete.map(shape),
    };
  }, ALL_TAGS);
  result.axe = axe.version;
  // The Rust side decides which of these fail (WCAG 2.1 A/AA) and which are notes.
  result.violations = axe.violations;
  result.needs_review = axe.incomplete.map((v) => ({ id: v.id, tags: v.tags }));

  result.keyboard = await checkKeyboard(page);

  if (screenshots) await shoot(page, path, "desktop", screenshots);
  result.reflow = [];
  for (const width of REFLOW_WIDTHS) {
    await page.setViewportSize({ width, height: 800 });
    result.reflow.push({ width, ...(await page.evaluate(overflow)) });
    if (screenshots && width === 320) await shoot(page, path, "320", screenshots);
  }
  // WCAG 1.4.12: the text spacing a person may impose must not break the 320 px layout.
  await page.setViewportSize({ width: 320, height: 800 });
  await page.addStyleTag({ content: TEXT_SPACING_CSS });
  result.reflow.push({ width: 320, text_spacing: true, ...(await page.evaluate(overflow)) });
  await page.setViewportSize(DESKTOP);
  return result;
}

export async function shoot(page, path, suffix, screenshots) {
  const name = (path.replace(/[^a-zA-Z0-9]+/g, "_").replace(/^_|_$/g, "") || "accueil") + "-" + suffix;
  await page.screenshot({ path: join(screenshots, name + ".png"), fullPage: true });
}

// Tabs through the page like a keyboard user: records each stop with its computed focus style,
// then compares with the same element unfocused. Also lists interactive elements never reached.
async function checkKeyboard(page) {
  await page.evaluate(() => {
    document.activeElement && document.activeElement.blur();
    // A field focused on arrival (autofocus) leaves the browser's Tab starting point on it:
    // start from the top of the page, as a keyboard user arriving by Tab would.
    const start = document.createElement("span");
    start.tabIndex = -1;
    document.body.prepend(start);
    start.focus();
    start.blur();
    start.remove();
    window.scrollTo(0, 0);
  });
  const all = await page.evaluate(tabbables);
  // Long pages (a list of every commune) are checked on their first MAX_TAB_STOPS stops.
  const expected = all.slice(0, MAX_TAB_STOPS);
  const stops = [];
  const seen = new Set();
  // A date input takes one Tab per part (day, month, year) in Chromium: the same element
  // focused again right after itself is one stop, not the end of the walk.
  let repeats = 0;
  for (let i = 0; i < expected.length + 3 + repeats && stops.length < MAX_TAB_STOPS; i++) {
    await page.keyboard.press("Tab");
    const stop = await page.evaluate(focusedStop);
    if (stop && stops.length && stops[stops.length - 1].selector === stop.selector && stop.date && repeats < 4 * expected.length) {
      repeats++;
      continue;
    }
    if (!stop || seen.has(stop.selector)) break;
    seen.add(stop.selector);
    stops.push(stop);
  }
  await page.evaluate(() => document.activeElement && document.activeElement.blur());
  const rests = await page.evaluate((sels) => sels.map(window.__guichetStyleOf), stops.map((s) => s.selector));
  const invisible = [];
  stops.forEach((stop, i) => {
    if (!focusIsVisible(stop.style, rests[i])) invisible.push({ selector: stop.selector, text: stop.text });
  });
  // Checked only when every stop was visited: a truncated walk proves nothing about the rest.
  const unreachable = all.length <= MAX_TAB_STOPS ? expected.filter((sel) => !seen.has(sel)) : [];
  // The skip link (RGAA 12.7), when the page has one, is the first stop and leads somewhere.
  const skip = await page.evaluate(() => {
    const link = document.querySelector('a[href="#contenu"]');
    return link ? { selector: window.__guichetCssPath(link), target: !!document.getElementById("contenu") } : null;
  });
  return {
    skip_link: skip && { first: stops.length > 0 && stops[0].selector === skip.selector, target_exists: skip.target },
    tabbable: all.length,
    stops: stops.map((s) => s.selector),
    first: stops.length ? stops[0].text : null,
    focus_not_visible: invisible,
    unreachable,
  };
}

function focusIsVisible(focused, rest) {
  if (!focused || !rest) return true;
  const outline = focused.outlineStyle !== "none" && parseFloat(focused.outlineWidth) > 0;
  if (outline) return true;
  return ["boxShadow", "backgroundColor", "color", "textDecorationLine", "borderColor", "borderWidth"].some(
    (k) => focused[k] !== rest[k],
  );
}

// ---- functions evaluated inside the page (no closure over Node variables) ----

function sameOriginLinks() {
  const out = new Set();
  for (const el of document.querySelectorAll("a[href], link[href], form[action]")) {
    const raw = el.getAttribute("href") ?? el.getAttribute("action");
    const url = new URL(raw, document.baseURI);
    if (url.origin !== location.origin) continue;
    if (el.tagName === "FORM") continue; // a form's target needs its query: checked by pages
    url.hash = "";
    out.add(url.pathname + url.search);
  }
  return [...out];
}

function cssPath(el) {
  const parts = [];
  while (el && el.nodeType === 1 && el !== document.documentElement) {
    if (el.id) {
      parts.unshift("#" + CSS.escape(el.id));
      break;
    }
    let part = el.tagName.toLowerCase();
    const parent = el.parentElement;
    if (parent) {
      const same = [...parent.children].filter((c) => c.tagName === el.tagName);
      if (same.length > 1) part += `:nth-of-type(${same.indexOf(el) + 1})`;
    }
    parts.unshift(part);
    el = parent;
  }
  return parts.join(" > ");
}

function tabbables() {
  const sel = "a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]";
  return [...document.querySelectorAll(sel)]
    .filter((el) => !el.disabled && el.tabIndex >= 0 && el.getClientRects().length > 0)
    .filter((el) => getComputedStyle(el).visibility !== "hidden")
    // The content of a closed <details> is hidden until its summary is opened (with Enter).
    .filter((el) => el.tagName === "SUMMARY" || !el.closest("details:not([open])"))
    .filter(radioGroupStop)
    .map(window.__guichetCssPath);

  // A group of radio buttons is one Tab stop (the arrow keys move inside it): its checked
  // button, or its first one when none is checked, is the stop that must be reached.
  function radioGroupStop(el) {
    if (el.type !== "radio" || !el.name) return true;
    const scope = el.form || document;
    const group = [...scope.querySelectorAll('input[type=radio]')].filter((r) => r.name === el.name);
    const checked = group.find((r) => r.checked);
    return el === (checked || group[0]);
  }
}

function focusedStop() {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  const s = getComputedStyle(el);
  return {
    selector: window.__guichetCssPath(el),
    date: el.tagName === "INPUT" && ["date", "time", "datetime-local", "month", "week"].includes(el.type),
    text: (el.textContent || el.getAttribute("aria-label") || el.name || "").trim().slice(0, 60),
    style: {
      outlineStyle: s.outlineStyle,
      outlineWidth: s.outlineWidth,
      boxShadow: s.boxShadow,
      backgroundColor: s.backgroundColor,
      color: s.color,
      textDecorationLine: s.textDecorationLine,
      borderColor: s.borderColor,
      borderWidth: s.borderWidth,
    },
  };
}

function styleOf(selector) {
  const el = document.querySelector(selector);
  if (!el) return null;
  const s = getComputedStyle(el);
  return {
    outlineStyle: s.outlineStyle,
    outlineWidth: s.outlineWidth,
    boxShadow: s.boxShadow,
    backgroundColor: s.backgroundColor,
    color: s.color,
    textDecorationLine: s.textDecorationLine,
    borderColor: s.borderColor,
    borderWidth: s.borderWidth,
  };
}

// Whether the page scrolls sideways at the current width, and the outermost culprits.
function overflow() {
  const width = document.documentElement.clientWidth;
  const scroll = document.documentElement.scrollWidth;
  const culprits = [];
  for (const el of document.body.querySelectorAll("*")) {
    const r = el.getBoundingClientRect();
    if (r.right <= width + 1 || r.width === 0) continue;
    const p = el.parentElement.getBoundingClientRect();
    if (el.parentElement !== document.body && p.right > width + 1) continue;
    culprits.push(`${el.tagName.toLowerCase()}${el.className ? "." + String(el.className).split(" ").join(".") : ""} (${Math.round(r.right)} px)`);
    if (culprits.length >= 5) break;
  }
  return { scroll_width: scroll, client_width: width, horizontal_scroll: scroll > width + 1, culprits };
}
