// Drives Debian's headless Chromium over Guichet's pages and reports, as JSON on stdout, what a
// person with a screen reader, a keyboard or a magnified screen would run into.
//
// Called by crates/guichet/tests/it/browser.rs, which starts the real server and asserts on the
// report; this script only observes. Nothing here reaches the network: the pages are on
// 127.0.0.1 and axe-core is injected from node_modules.
//
//   node axe.mjs BASE_URL '["/", "/health", ...]'
//
// Environment: GUICHET_CHROMIUM (default /usr/bin/chromium); GUICHET_BROWSER_SCREENSHOTS=DIR to
// keep a PNG of each page at desktop width and at 320 CSS px.

import { mkdirSync } from "node:fs";
import { chromium } from "playwright-core";
import { analyse, DESKTOP } from "./check.mjs";

const [base, pagesJson] = process.argv.slice(2);
if (!base || !pagesJson) {
  console.error("usage: node axe.mjs BASE_URL PAGES_JSON");
  process.exit(2);
}
const paths = JSON.parse(pagesJson);
const screenshots = process.env.GUICHET_BROWSER_SCREENSHOTS;
if (screenshots) mkdirSync(screenshots, { recursive: true });

// A hung browser must not hang the test suite.
const LIMIT_S = 60 + 20 * paths.length;
setTimeout(() => {
  console.error(`axe.mjs: gave up after ${LIMIT_S} s`);
  process.exit(3);
}, LIMIT_S * 1000).unref();

const browser = await chromium.launch({
  executablePath: process.env.GUICHET_CHROMIUM || "/usr/bin/chromium",
  headless: true,
});
// The pages forbid every script (Content-Security-Policy): the checks inject axe-core and
// their helpers anyway, as a browser extension would.
const context = await browser.newContext({ viewport: DESKTOP, locale: "fr-FR", javaScriptEnabled: true, bypassCSP: true });
const report = { chromium: browser.version(), axe: null, pages: [], links: [] };
const links = new Map(); // same-origin href → first page that links to it

try {
  for (const path of paths) {
    const t0 = Date.now();
    report.pages.push(await checkPage(path));
    console.error(`axe.mjs: ${path} checked in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  // Every same-origin link found on the pages answers without an error.
  // One link per route shape (`/territoire/departements/01` stands for all départements).
  const shapes = new Set(paths.map(routeShape));
  for (const [href, from] of links) {
    const shape = routeShape(href);
    if (shapes.has(shape)) continue;
    shapes.add(shape);
    const response = await context.request.get(base + href, { maxRedirects: 5 });
    report.links.push({ href, from, status: response.status() });
  }
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(report, null, 1) + "\n");

async function checkPage(path) {
  const page = await context.newPage();
  const result = { path, status: null, content_type: null, html: false };
  try {
    let response;
    try {
      response = await page.goto(base + path, { waitUntil: "load", timeout: 60_000 });
    } catch (e) {
      // A file served as an attachment (CSV, GeoJSON) starts a download instead of a page.
      if (!String(e).includes("Download is starting")) throw e;
      response = await context.request.get(base + path);
    }
    result.status = response.status();
    result.content_type = response.headers()["content-type"] || "";
    result.html = result.content_type.startsWith("text/html");
    if (!result.html) return result;
    await analyse(page, path, result, { links, screenshots });
    report.axe = result.axe;
  } catch (e) {
    result.error = String(e && e.stack ? e.stack : e);
  } finally {
    await page.close();
  }
  return result;
}

// A link's route: its path with the segments that hold data (codes, numbers) generalised.
function routeShape(href) {
  const path = href.split(/[?#]/)[0];
  return path
    .split("/")
    .map((segment) => (/[0-9]/.test(segment) ? "{}" : segment))
    .join("/");
}

