// A person's whole online journey on Guichet, in Debian's headless Chromium, with every page
// reached checked like axe.mjs checks single pages (check.mjs): search → procedure → « où
// aller » → the online form across its steps, with a validation error and its correction, a
// file attached → check answers → contact preferences changed to refuse digital → submit →
// receipt (its PDF saved) → following the case at /suivi from another browser without an
// account → the demo account: sign-in with an error, the case added with its code → feedback.
//
// Called by crates/guichet/tests/it/journey.rs, which starts the real server, then asserts on
// the JSON report printed here (and on the PDF and the database). This script only drives and
// observes; it fails (exit 1) when the journey itself cannot go on, saying where.
//
//   node journey.mjs BASE_URL PDF_OUT
//
// Environment: GUICHET_CHROMIUM (default /usr/bin/chromium); GUICHET_BROWSER_SCREENSHOTS=DIR to
// keep a PNG of each page at 1280 and 320 CSS px.

import { mkdirSync, writeFileSync } from "node:fs";
import { chromium } from "playwright-core";
import { analyse, DESKTOP } from "./check.mjs";

const [base, pdfOut] = process.argv.slice(2);
if (!base || !pdfOut) {
  console.error("usage: node journey.mjs BASE_URL PDF_OUT");
  process.exit(2);
}
const screenshots = process.env.GUICHET_BROWSER_SCREENSHOTS;
if (screenshots) mkdirSync(screenshots, { recursive: true });
setTimeout(() => {
  console.error("journey.mjs: gave up after 600 s");
  process.exit(3);
}, 600_000).unref();

// A 1×1 PNG, as a phone's photo of the PAI would be.
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
  "base64",
);

const browser = await chromium.launch({
  executablePath: process.env.GUICHET_CHROMIUM || "/usr/bin/chromium",
  headless: true,
});
const contextOptions = { viewport: DESKTOP, locale: "fr-FR", bypassCSP: true };
const report = { chromium: browser.version(), pages: [], steps: [] };
let step = "start";

async function check(page, label, expectError = false) {
  const result = { path: label, url: page.url(), status: 200, html: true, expect_error: expectError };
  await analyse(page, label, result, { links: null, screenshots });
  report.pages.push(result);
  report.steps.push(label);
  return result;
}

async function go(page, action) {
  await Promise.all([page.waitForNavigation({ waitUntil: "load" }), action()]);
}

try {
  const context = await browser.newContext(contextOptions);
  const page = await context.newPage();

  step = "home";
  await page.goto(base + "/", { waitUntil: "load" });
  await check(page, "accueil");

  step = "search";
  await page.fill("#recherche-entete", "inscrire mon enfant à la cantine");
  await go(page, () => page.click(".entete__recherche button"));
  await check(page, "recherche");

  step = "procedure";
  await go(page, () => page.click('a[href="/demarches/inscription-cantine"]'));
  await check(page, "demarche");

  step = "where to go";
  await go(page, () => page.click('main a[href^="/lieux"]'));
  await check(page, "lieux");
  await page.goBack({ waitUntil: "load" });

  step = "online start";
  await go(page, () => page.click('a[href="/demarches/inscription-cantine/en-ligne"]'));
  await check(page, "en-ligne");
  await go(page, () => page.click('a[href$="/en-ligne/coordonnees"]'));
  await check(page, "coordonnees");

  step = "identity with an error";
  await page.fill("#prenom", "Jeanne");
  await page.fill("#adresse-ligne1", "3 rue des Lilas");
  await page.fill("#adresse-code_postal", "59990");
  await page.fill("#adresse-commune", "Saint-Clair-sur-Lys");
  await page.fill("#courriel", "jeanne.martin@example.fr");
  await page.check('input[name="contact"][value^="Par courriel"]');
  await go(page, () => page.click('main button[type="submit"]'));
  const identityError = await check(page, "coordonnees-erreur", true);
  report.identity_error_title = identityError.title;
  report.identity_kept = await page.inputValue("#prenom");

  step = "identity corrected";
  await page.fill("#nom", "Martin");
  await go(page, () => page.click('main button[type="submit"]'));
  await check(page, "etape-1");

  step = "step 1 with an impossible date";
  await page.fill("#enfant-1-enfant_nom", "Léa Martin");
  await page.fill("#enfant-1-enfant_naissance", "31/02/2018");
  await page.check('input[name="enfant-1-ecole"][value="École Jules-Ferry"]');
  await go(page, () => page.click('button[value="continuer"]'));
  const dateError = await check(page, "etape-1-erreur", true);
  report.date_error_title = dateError.title;
  report.date_error_kept = await page.inputValue("#enfant-1-enfant_nom");
  await page.fill("#enfant-1-enfant_naissance", "03/09/2018");
  await go(page, () => page.click('button[value="continuer"]'));

  step = "step 2";
  await check(page, "etape-2");
  await page.check('input[name="jours"][value="lundi"]');
  await page.check('input[name="jours"][value="jeudi"]');
  await go(page, () => page.click('button[value="continuer"]'));

  step = "step 3";
  await check(page, "etape-3");
  await page.check("#allergie-oui");
  await go(page, () => page.click('button[value="continuer"]'));

  step = "step 4: attach a file";
  await check(page, "etape-4-piece");
  await page.setInputFiles("#pai", { name: "pai.png", mimeType: "image/png", buffer: PNG });
  await go(page, () => page.click('button[value="continuer"]'));

  step = "step 5";
  await check(page, "etape-5");
  await page.fill("#responsable_adresse-ligne1", "3 rue des Lilas");
  await page.fill("#responsable_adresse-code_postal", "59990");
  await page.fill("#responsable_adresse-commune", "Saint-Clair-sur-Lys");
  await go(page, () => page.click('button[value="continuer"]'));

  step = "step 6";
  await check(page, "etape-6");
  await page.fill("#quotient", "850");
  await go(page, () => page.click('button[value="continuer"]'));

  step = "check answers";
  await check(page, "verification");
  report.review_text = await page.innerText("main");
  const reference = report.review_text.match(/GX-[0-9A-Z]{4}-[0-9A-Z]{4}/);
  report.reference = reference ? reference[0] : null;

  step = "refuse digital";
  await page.goto(`${base}/suivi/${report.reference}`, { waitUntil: "load" });
  await check(page, "suivi-brouillon");
  await go(page, () => page.click('a[href$="/preferences"]'));
  await check(page, "preferences");
  await page.check('input[name="contact"][value="Par courrier"]');
  await page.check('input[name="numerique"][value^="Je refuse le numérique"]');
  await go(page, () => page.click('main button[type="submit"]'));

  step = "submit";
  await page.goto(`${base}/demarches/inscription-cantine/en-ligne/verification`, { waitUntil: "load" });
  await page.check("#certifie");
  await go(page, () => page.click('main button[type="submit"]'));
  await check(page, "recepisse");
  const codes = await page.$$eval(".succes .code", (els) => els.map((e) => e.textContent.trim()));
  report.receipt_codes = codes;
  report.follow_up_code = codes[1] || null;
  const pdf = await context.request.get(`${base}/suivi/${report.reference}/recepisse.pdf`);
  report.pdf_status = pdf.status();
  writeFileSync(pdfOut, await pdf.body());

  step = "follow the case from another browser";
  const other = await browser.newContext(contextOptions);
  const page2 = await other.newPage();
  await page2.goto(base + "/suivi", { waitUntil: "load" });
  await check(page2, "suivi");
  await page2.fill("#reference", report.reference);
  await page2.fill("#code", "AAAA-AAAA");
  await go(page2, () => page2.click('main button[type="submit"]'));
  await check(page2, "suivi-erreur", true);
  await page2.fill("#code", report.follow_up_code.toLowerCase());
  await go(page2, () => page2.click('main button[type="submit"]'));
  await check(page2, "suivi-dossier");
  report.followed_text = await page2.innerText("main");

  step = "an account, from a third browser";
  // The demo account (listed on /demo): a wrong password first, then the right one; the
  // journey's case added with its reference and follow-up code.
  const third = await browser.newContext(contextOptions);
  const page3 = await third.newPage();
  await page3.goto(base + "/compte/connexion", { waitUntil: "load" });
  await check(page3, "compte-connexion");
  await page3.fill("#courriel", "jeanne.martin@exemple.fr");
  await page3.fill("#mot_de_passe", "pas le bon");
  await go(page3, () => page3.click('main form[action="/compte/connexion"] button[type="submit"]'));
  await check(page3, "compte-connexion-erreur", true);
  await page3.fill("#courriel", "jeanne.martin@exemple.fr");
  await page3.fill("#mot_de_passe", "ma démo de Saint-Clair");
  await go(page3, () => page3.click('main form[action="/compte/connexion"] button[type="submit"]'));
  await check(page3, "compte");
  await page3.fill("#reference", report.reference);
  await page3.fill("#code", "AAAA-AAAA");
  await go(page3, () => page3.click('main form[action="/compte/dossiers"] button[type="submit"]'));
  await check(page3, "compte-ajout-erreur", true);
  await page3.fill("#reference", report.reference);
  await page3.fill("#code", report.follow_up_code);
  await go(page3, () => page3.click('main form[action="/compte/dossiers"] button[type="submit"]'));
  await check(page3, "compte-dossiers");
  report.account_text = await page3.innerText("main");

  step = "feedback";
  await go(page, () => page.click('a[href^="/avis/"]'));
  await check(page, "avis");
  await page.check("#satisfaction-4");
  await page.check("#facilite-5");
  await page.check("#aide-personne");
  await go(page, () => page.click('main button[type="submit"]'));
  await check(page, "avis-merci");
  report.feedback_text = await page.innerText("main");
  step = "done";
} catch (e) {
  report.failed_at = step;
  report.error = String(e && e.stack ? e.stack : e);
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(report, null, 1) + "\n");
