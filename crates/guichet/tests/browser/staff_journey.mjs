// An agent's journey through Guichet's staff pages, in Debian's headless Chromium, with every
// page reached — error pages included — checked like axe.mjs checks single pages (check.mjs):
// sign-in with a wrong password then the right one → a wrong code then the right one (TOTP,
// computed here) → the agents' home → « Retrouver une personne » (focus on the search field,
// a search without result) → registering a person who refuses digital, with a missing family
// name first → finding her again despite a typo → a request started online (another browser,
// without the agent's cookie: the person gives her details and stops, keeping the reference)
// that the front desk finds by its reference, takes over and sends with her at the counter →
// signing out (the pages behind sign-in are closed again) → signing in as another operator's
// case officer, whom her page refuses (403).
//
// Called by crates/guichet/tests/it/staff_journey.rs, which starts the real server, then
// asserts on the JSON report printed here. This script only drives and observes; when the
// journey cannot go on it says where (`failed_at`, `error`) and the Rust side fails.
//
//   node staff_journey.mjs BASE_URL
//
// Environment: GUICHET_CHROMIUM (default /usr/bin/chromium); GUICHET_BROWSER_SCREENSHOTS=DIR to
// keep a PNG of each page at 1280 and 320 CSS px (named agents-…).

import { mkdirSync } from "node:fs";
import { chromium } from "playwright-core";
import { analyse, DESKTOP } from "./check.mjs";
import { totp, wrongCode } from "./totp.mjs";

const [base] = process.argv.slice(2);
if (!base) {
  console.error("usage: node staff_journey.mjs BASE_URL");
  process.exit(2);
}
const screenshots = process.env.GUICHET_BROWSER_SCREENSHOTS;
if (screenshots) mkdirSync(screenshots, { recursive: true });
setTimeout(() => {
  console.error("staff_journey.mjs: gave up after 600 s");
  process.exit(3);
}, 600_000).unref();

// Two of the demonstration accounts (crates/guichet-web/src/staff.rs, listed on /demo).
const FRONT_DESK = {
  login: "accueil@saint-clair.example",
  password: "Demo-Accueil-2026",
  totp: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
};
const CCAS_OFFICER = {
  login: "instruction.ccas@saint-clair.example",
  password: "Demo-Instruction-2026",
  totp: "KRUGS4ZANFZSAYLOEBSGK3LPEBVWK6JA",
};

// ---- the journey ----

const browser = await chromium.launch({
  executablePath: process.env.GUICHET_CHROMIUM || "/usr/bin/chromium",
  headless: true,
});
const contextOptions = { viewport: DESKTOP, locale: "fr-FR", bypassCSP: true };
const report = { chromium: browser.version(), pages: [], steps: [] };
let step = "start";

// The path and query of the page shown now.
function where(page) {
  const url = new URL(page.url());
  return url.pathname + url.search;
}

async function check(page, label, response, expectError = false) {
  const result = {
    path: label,
    url: where(page),
    status: response ? response.status() : null,
    html: true,
    expect_error: expectError,
  };
  await analyse(page, "agents-" + label, result, { links: null, screenshots });
  result.path = label;
  report.pages.push(result);
  report.steps.push(label);
  return result;
}

// The id of the element focused on arrival (before analyse() moves the focus).
function focused(page) {
  return page.evaluate(() => document.activeElement?.id || document.activeElement?.tagName || null);
}

// Runs `action` and waits for the navigation it causes; returns the final response.
async function go(page, action) {
  const [response] = await Promise.all([page.waitForNavigation({ waitUntil: "load" }), action()]);
  return response;
}

// Searches « Retrouver une personne » (the page shown now) for `q`.
async function search(page, q) {
  await page.fill("#q", q);
  return go(page, () => page.click('main form[role="search"] button[type="submit"]'));
}

// The people listed by a search, one line each.
function results(page) {
  return page.$$eval(".liste-personnes li", (els) => els.map((e) => e.textContent.replace(/\s+/g, " ").trim()));
}

// The button that sends the form at `action` (the agent bar's « Se déconnecter » is in <main> too).
const submitOf = (action) => `main form[action="${action}"] button[type="submit"]`;

async function signIn(page, account, prefix) {
  let response = await page.goto(base + "/agents/connexion", { waitUntil: "load" });
  await check(page, `${prefix}connexion`, response);
  await page.fill("#identifiant", account.login);
  await page.fill("#mot_de_passe", account.password);
  response = await go(page, () => page.click(submitOf("/agents/connexion")));
  await check(page, `${prefix}code`, response);
  await page.fill("#code", totp(account.totp));
  response = await go(page, () => page.click(submitOf("/agents/connexion/code")));
  await check(page, `${prefix}accueil`, response);
}

try {
  const context = await browser.newContext(contextOptions);
  const page = await context.newPage();

  step = "1. sign-in page";
  let response = await page.goto(base + "/agents/connexion", { waitUntil: "load" });
  await check(page, "connexion", response);

  step = "1. wrong password";
  await page.fill("#identifiant", FRONT_DESK.login);
  await page.fill("#mot_de_passe", "pas-le-bon-mot-de-passe");
  response = await go(page, () => page.click(submitOf("/agents/connexion")));
  report.wrong_password_focus = await focused(page);
  const wrongPassword = await check(page, "connexion-erreur", response, true);
  report.wrong_password_title = wrongPassword.title;
  report.wrong_password_login_kept = await page.inputValue("#identifiant");

  step = "1. right password";
  await page.fill("#identifiant", FRONT_DESK.login);
  await page.fill("#mot_de_passe", FRONT_DESK.password);
  response = await go(page, () => page.click(submitOf("/agents/connexion")));
  await check(page, "code", response);

  step = "1. wrong code";
  await page.fill("#code", wrongCode(FRONT_DESK.totp));
  response = await go(page, () => page.click(submitOf("/agents/connexion/code")));
  report.wrong_code_focus = await focused(page);
  const wrong = await check(page, "code-erreur", response, true);
  report.wrong_code_title = wrong.title;

  step = "1. right code";
  await page.fill("#code", totp(FRONT_DESK.totp));
  response = await go(page, () => page.click(submitOf("/agents/connexion/code")));
  await check(page, "accueil", response);
  report.home_text = await page.innerText("main");

  step = "2. find a person";
  response = await go(page, () => page.click('main a[href="/agents/personnes"]'));
  report.search_focus = await focused(page);
  await check(page, "personnes", response);

  step = "2. a search";
  response = await search(page, "martin");
  await check(page, "personnes-martin", response);
  report.martin_results = await results(page);

  step = "2. a search without result";
  response = await search(page, "Lefèvre Hélène");
  await check(page, "personnes-sans-resultat", response);
  report.no_result_results = await results(page);
  report.no_result_heading = await page.$$eval("main h2", (els) => els.map((e) => e.textContent.trim()));

  step = "2. new person, family name missing";
  response = await go(page, () => page.click('main a[href="/agents/personnes/nouvelle"]'));
  await check(page, "nouvelle", response);
  await page.fill("#prenom", "Hélène");
  await page.fill("#naissance", "14/07/1946");
  await page.fill("#adresse-ligne1", "3 rue des Lilas");
  await page.fill("#adresse-code_postal", "59990");
  await page.fill("#adresse-commune", "Saint-Clair-sur-Lys");
  await page.check('input[name="contact"][value="Par courrier"]');
  await page.check('input[name="numerique"][value^="Je refuse le numérique"]');
  response = await go(page, () => page.click(submitOf("/agents/personnes/nouvelle")));
  const missing = await check(page, "nouvelle-erreur", response, true);
  report.missing_name_title = missing.title;
  report.missing_name_errors = await page.$$eval(".resume-erreurs li", (els) =>
    els.map((e) => e.textContent.trim()),
  );
  report.missing_name_kept = {
    prenom: await page.inputValue("#prenom"),
    naissance: await page.inputValue("#naissance"),
    commune: await page.inputValue("#adresse-commune"),
    contact: await page.$eval('input[name="contact"]:checked', (e) => e.value).catch(() => null),
    numerique: await page.$eval('input[name="numerique"]:checked', (e) => e.value).catch(() => null),
  };

  step = "2. new person registered";
  await page.fill("#nom", "Lefèvre");
  response = await go(page, () => page.click(submitOf("/agents/personnes/nouvelle")));
  await check(page, "personne-enregistree", response);
  report.person_url = where(page);
  report.person_text = await page.innerText("main");
  report.person_contact = await page.$$eval("table.reponses tr", (rows) => {
    const row = rows.find((r) => r.querySelector("th")?.textContent.includes("prévenir"));
    return row ? row.querySelector("td").textContent.trim() : null;
  });

  step = "3. found again despite a typo";
  response = await go(page, () => page.click('main a[href="/agents/personnes"]'));
  response = await search(page, "lefevbre");
  await check(page, "personnes-lefevbre", response);
  report.typo_results = await results(page);
  const personPath = new URL(report.person_url, base).pathname;
  response = await go(page, () => page.click(`main .liste-personnes a[href="${personPath}"]`));
  await check(page, "personne", response);
  report.opened_url = where(page);

  step = "3b. open a case at the counter";
  await page.selectOption("#demarche", "copie-acte-etat-civil");
  response = await go(page, () => page.click(submitOf(`${personPath}/dossiers`)));
  await check(page, "desk-etape", response);
  response = await page.goto(base + personPath, { waitUntil: "load" });
  await check(page, "personne-avec-dossier", response);

  step = "3c. orient and see the figures";
  response = await page.goto(base + "/agents/orienter", { waitUntil: "load" });
  await check(page, "orienter", response);
  await page.fill("#organisme", "CAF");
  response = await go(page, () => page.click(submitOf("/agents/orienter")));
  await check(page, "orienter-erreur", response, true);
  await page.fill("#objet", "demande d’APL");
  response = await go(page, () => page.click(submitOf("/agents/orienter")));
  await check(page, "orienter-enregistree", response);
  response = await page.goto(base + "/agents/chiffres", { waitUntil: "load" });
  await check(page, "chiffres", response);
  report.figures_text = await page.$eval("main", (m) => m.textContent.replace(/\s+/g, " "));
  response = await page.goto(base + "/agents/alertes", { waitUntil: "load" });
  await check(page, "alertes", response);

  step = "3d. a request started online: the person gives her details and stops";
  // Another browser, without the agent's cookie: the person at home.
  const home = await browser.newContext(contextOptions);
  const own = await home.newPage();
  response = await own.goto(base + "/demarches/inscription-cantine/en-ligne", { waitUntil: "load" });
  await check(own, "ligne-debut", response);
  response = await go(own, () => own.click('main a[href$="/en-ligne/coordonnees"]'));
  await check(own, "ligne-coordonnees", response);
  await own.fill("#prenom", "Samia");
  await own.fill("#nom", "Haddad");
  await own.fill("#adresse-ligne1", "12 rue du Moulin");
  await own.fill("#adresse-code_postal", "59990");
  await own.fill("#adresse-commune", "Saint-Clair-sur-Lys");
  await own.check('input[name="contact"][value="Par courrier"]');
  response = await go(own, () => own.click('main button[type="submit"]'));
  await check(own, "ligne-etape-1", response);
  report.online_step_text = await own.innerText("main");
  const draft = report.online_step_text.match(/GX-[0-9A-Z]{4}-[0-9A-Z]{4}/);
  report.draft_reference = draft ? draft[0] : null;
  if (!report.draft_reference) throw new Error("no reference shown on the first step");
  response = await go(own, () => own.click('main button[value="pause"]'));
  await check(own, "ligne-pause", response);
  report.paused_url = where(own);
  report.paused_text = await own.innerText("main");
  await home.close();

  step = "3e. the front desk finds her by the reference and takes the request over";
  const ref = report.draft_reference;
  response = await page.goto(base + "/agents/personnes", { waitUntil: "load" });
  response = await search(page, ref);
  await check(page, "reprise-personne", response);
  report.online_person_url = where(page);
  report.online_person_text = await page.innerText("main");
  response = await go(page, () =>
    page.click(`main form[action="/agents/dossiers/${ref}/reprendre"] button[type="submit"]`),
  );
  await check(page, "reprise-etape-1", response);
  report.takeover_step_text = await page.innerText("main");

  step = "3f. the front desk fills the remaining steps with her";
  await page.fill("#enfant-1-enfant_nom", "Inès Haddad");
  await page.fill("#enfant-1-enfant_naissance", "03/09/2018");
  await page.check('input[name="enfant-1-ecole"][value="École Louise-Michel"]');
  response = await go(page, () => page.click('main button[value="continuer"]'));
  await check(page, "reprise-etape-2", response);
  await page.check('input[name="jours"][value="mardi"]');
  await page.check('input[name="jours"][value="vendredi"]');
  response = await go(page, () => page.click('main button[value="continuer"]'));
  await check(page, "reprise-etape-3", response);
  await page.check("#allergie-non");
  response = await go(page, () => page.click('main button[value="continuer"]'));
  await check(page, "reprise-etape-adresse", response);
  await page.fill("#responsable_adresse-ligne1", "12 rue du Moulin");
  await page.fill("#responsable_adresse-code_postal", "59990");
  await page.fill("#responsable_adresse-commune", "Saint-Clair-sur-Lys");
  response = await go(page, () => page.click('main button[value="continuer"]'));
  await check(page, "reprise-etape-quotient", response);
  await page.fill("#quotient", "620");
  response = await go(page, () => page.click('main button[value="continuer"]'));
  await check(page, "reprise-verification", response);
  report.takeover_review_text = await page.innerText("main");

  step = "3g. submitted at the counter";
  await page.check("#certifie");
  response = await go(page, () => page.click('main button[type="submit"]'));
  await check(page, "reprise-recepisse", response);
  report.takeover_receipt_url = where(page);
  report.takeover_receipt_text = await page.innerText("main");
  // The generated form and the follow-up page are the public ones (no agent bar): back to her
  // page at the desk by its address, where the case is now sent.
  response = await page.goto(base + report.online_person_url, { waitUntil: "load" });
  await check(page, "reprise-personne-apres", response);
  report.online_person_after_text = await page.innerText("main");

  step = "4. sign out";
  response = await go(page, () => page.getByRole("button", { name: "Se déconnecter" }).click());
  await check(page, "deconnexion", response);
  report.signed_out_url = where(page);
  response = await page.goto(base + "/agents", { waitUntil: "load" });
  await check(page, "agents-apres-deconnexion", response);
  report.after_sign_out_url = where(page);
  response = await page.goto(base + personPath, { waitUntil: "load" });
  report.person_after_sign_out_url = where(page);

  step = "5. another operator's case officer";
  await signIn(page, CCAS_OFFICER, "ccas-");
  response = await page.goto(base + personPath, { waitUntil: "load" });
  const refused = await check(page, "ccas-personne-refusee", response, true);
  report.refused_title = refused.title;
  report.refused_text = await page.innerText("main");
  report.refused_links = await page.$$eval("main a", (els) => els.map((a) => a.getAttribute("href")));
  step = "done";
} catch (e) {
  report.failed_at = step;
  report.error = String(e && e.stack ? e.stack : e);
} finally {
  await browser.close();
}
report.finished = step === "done";
process.stdout.write(JSON.stringify(report, null, 1) + "\n");
