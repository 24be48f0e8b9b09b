// A case from the counter to its decision, in Debian's headless Chromium, through the pages of
// two agents of the town hall (the demo accounts of crates/guichet-web/src/staff.rs), every
// page reached checked like axe.mjs checks single pages (check.mjs):
//
// 1. the front desk signs in (TOTP), registers a person without email who refuses digital,
//    opens a case for her at the counter (copie-acte-etat-civil), fills the form, certifies
//    and submits it, prints the receipt (its PDF fetched from the page) and signs out;
// 2. the town hall's case officer signs in, finds the case in her queue, starts examining it,
//    asks for a document with a reply date, signs out;
// 3. the front desk registers the letter that brings the document (a scanned PDF and what the
//    letter says): the examination resumes; the front desk may neither open the officers'
//    queue nor decide (403);
// 4. the officer sees the scan and the message, grants the request with a motivation, previews
//    the letter (her name and title, the reference), confirms; the case shows the decision;
// 5. the person, in another browser, follows her case at /suivi with the follow-up code the
//    form showed: the decision is there.
//
// Called by crates/guichet/tests/it/officer_journey.rs, which starts the real server, then
// asserts on the JSON report printed here, on the receipt's PDF and on the outbox. This script
// only drives and observes; when the journey cannot go on it says where (`failed_at`, `error`).
//
//   node officer_journey.mjs BASE_URL RECEIPT_PDF_OUT
//
// Environment: GUICHET_CHROMIUM (default /usr/bin/chromium); GUICHET_BROWSER_SCREENSHOTS=DIR to
// keep a PNG of each page at 1280 and 320 CSS px (named instruction-…).

import { mkdirSync, writeFileSync } from "node:fs";
import { chromium } from "playwright-core";
import { analyse, DESKTOP } from "./check.mjs";
import { nextCode } from "./totp.mjs";

const [base, pdfOut] = process.argv.slice(2);
if (!base || !pdfOut) {
  console.error("usage: node officer_journey.mjs BASE_URL RECEIPT_PDF_OUT");
  process.exit(2);
}
const screenshots = process.env.GUICHET_BROWSER_SCREENSHOTS;
if (screenshots) mkdirSync(screenshots, { recursive: true });
setTimeout(() => {
  console.error("officer_journey.mjs: gave up after 600 s");
  process.exit(3);
}, 600_000).unref();

// Two demonstration accounts of the same operator, mairie-saint-clair (listed on /demo).
const FRONT_DESK = {
  login: "accueil@saint-clair.example",
  password: "Demo-Accueil-2026",
  totp: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
  lastStep: -1,
};
const OFFICER = {
  login: "instruction.mairie@saint-clair.example",
  password: "Demo-Etat-Civil-2026",
  totp: "MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U",
  lastStep: -1,
};
const PROCEDURE = "copie-acte-etat-civil";
const REQUESTED = "Copie de votre pièce d’identité";
const LETTER_SAYS = "Veuillez trouver ci-joint la copie de ma carte d’identité.";
const MOTIVATION =
  "Vous êtes la personne concernée par l’acte et votre identité est justifiée : la copie intégrale vous est délivrée.";

// ---- a scanned letter: a one-page PDF, as a desk scanner would produce ----

function tinyPdf(line) {
  const content = `BT /F1 14 Tf 72 760 Td (${line}) Tj ET`;
  const objects = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R " +
      "/Resources << /Font << /F1 5 0 R >> >> >>",
    `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
  ];
  let out = "%PDF-1.4\n";
  const offsets = [];
  objects.forEach((o, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets) out += `${String(o).padStart(10, "0")} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, "latin1");
}

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
  await analyse(page, "instruction-" + label, result, { links: null, screenshots });
  result.path = label;
  report.pages.push(result);
  report.steps.push(label);
  return result;
}

// Runs `action` and waits for the navigation it causes; returns the final response.
async function go(page, action) {
  const [response] = await Promise.all([page.waitForNavigation({ waitUntil: "load" }), action()]);
  return response;
}

const mainText = (page) => page.$eval("main", (m) => m.innerText.replace(/\s+/g, " ").trim());

// The button that sends the form at `action` (the agent bar's « Se déconnecter » is in <main> too).
const submitOf = (action) => `main form[action="${action}"] button[type="submit"]`;

async function signIn(page, account, prefix) {
  let response = await page.goto(base + "/agents/connexion", { waitUntil: "load" });
  await check(page, `${prefix}connexion`, response);
  await page.fill("#identifiant", account.login);
  await page.fill("#mot_de_passe", account.password);
  response = await go(page, () => page.click(submitOf("/agents/connexion")));
  await check(page, `${prefix}code`, response);
  await page.fill("#code", await nextCode(account));
  response = await go(page, () => page.click(submitOf("/agents/connexion/code")));
  await check(page, `${prefix}accueil`, response);
}

async function signOut(page, label) {
  const response = await go(page, () => page.getByRole("button", { name: "Se déconnecter" }).click());
  await check(page, label, response);
}

// Answers the question of the form's step shown now (its field's id is in the hidden `champ`).
async function answerStep(page) {
  const field = await page.$eval('main input[name="champ"]', (e) => e.value);
  const fill = async (selector, value) => {
    if ((await page.inputValue(selector)) === "") await page.fill(selector, value);
  };
  switch (field) {
    case "acte":
      await page.check('input[name="acte"][value="naissance"]');
      break;
    case "forme":
      await page.check('input[name="forme"][value="copie intégrale"]');
      break;
    case "nom":
      await fill("#nom", "Lefèvre");
      break;
    case "prenoms":
      await fill("#prenoms", "Hélène Marie");
      break;
    case "date_acte":
      await page.fill("#date_acte", "14/07/1946");
      break;
    case "lien":
      await page.check('input[name="lien"][value="la personne concernée"]');
      break;
    case "adresse_envoi":
      await fill("#adresse_envoi-ligne1", "3 rue des Lilas");
      await fill("#adresse_envoi-code_postal", "59990");
      await fill("#adresse_envoi-commune", "Saint-Clair-sur-Lys");
      break;
    default:
      throw new Error(`unexpected question « ${field} » at ${where(page)}`);
  }
  return field;
}

try {
  const context = await browser.newContext(contextOptions);
  const page = await context.newPage();

  // ---- 1. the front desk: a person, a case at the counter, its receipt ----
  step = "1. front desk signs in";
  await signIn(page, FRONT_DESK, "guichet-");

  step = "1. registers a person who refuses digital";
  let response = await page.goto(base + "/agents/personnes/nouvelle", { waitUntil: "load" });
  await check(page, "nouvelle-personne", response);
  await page.fill("#nom", "Lefèvre");
  await page.fill("#prenom", "Hélène");
  await page.fill("#naissance", "14/07/1946");
  await page.fill("#adresse-ligne1", "3 rue des Lilas");
  await page.fill("#adresse-code_postal", "59990");
  await page.fill("#adresse-commune", "Saint-Clair-sur-Lys");
  await page.check('input[name="contact"][value="Par courrier"]');
  await page.check('input[name="numerique"][value^="Je refuse le numérique"]');
  response = await go(page, () => page.click(submitOf("/agents/personnes/nouvelle")));
  await check(page, "personne-enregistree", response);
  report.person_url = where(page);
  const personPath = new URL(page.url()).pathname;

  step = "1. opens a case at the counter";
  await page.selectOption("#demarche", PROCEDURE);
  response = await go(page, () => page.click(submitOf(`${personPath}/dossiers`)));

  step = "1. fills the form";
  report.questions = [];
  for (let n = 1; n <= 12 && !where(page).endsWith("/verification"); n++) {
    await check(page, `etape-${n}`, response);
    if (n === 1) {
      // The reference and the follow-up code, as the form says them to the person.
      const text = await mainText(page);
      report.reference = (text.match(/GX-[0-9A-Z]{4}-[0-9A-Z]{4}/) || [null])[0];
      report.follow_up_code = (text.match(/code de suivi ([0-9A-Z]{4}-[0-9A-Z]{4})/) || [null, null])[1];
    }
    step = `1. fills the form: step ${n}`;
    report.questions.push(await answerStep(page));
    response = await go(page, () => page.click('main button[value="continuer"]'));
  }
  const reference = report.reference;
  if (!reference) throw new Error("no case reference on the form's first step");
  const casePath = `/instruction/dossiers/${reference}`;

  step = "1. certifies and submits";
  await check(page, "verification", response);
  await page.check("#certifie");
  response = await go(page, () => page.click('main form button[type="submit"]'));
  await check(page, "recepisse", response);
  report.receipt_text = await mainText(page);

  step = "1. prints the receipt";
  const printed = await page.evaluate(async (href) => {
    const r = await fetch(href);
    const bytes = new Uint8Array(await r.arrayBuffer());
    let binary = "";
    for (const b of bytes) binary += String.fromCharCode(b);
    return { status: r.status, type: r.headers.get("content-type"), base64: btoa(binary) };
  }, `/agents/dossiers/${reference}/recepisse.pdf`);
  const pdf = Buffer.from(printed.base64, "base64");
  report.receipt_pdf = { status: printed.status, type: printed.type, starts: pdf.subarray(0, 5).toString("latin1") };
  writeFileSync(pdfOut, pdf);

  step = "1. back to the person, signs out";
  response = await page.goto(base + personPath, { waitUntil: "load" });
  await check(page, "personne-dossier-depose", response);
  report.person_after_submit = await mainText(page);
  await signOut(page, "guichet-deconnexion");

  // ---- 2. the officer: the queue, start, ask for a document ----
  step = "2. officer signs in";
  await signIn(page, OFFICER, "instructrice-");

  step = "2. the queue";
  response = await go(page, () => page.click('main a[href="/instruction"]'));
  await check(page, "file", response);
  report.queue_has_case = (await page.$(`main a[href="${casePath}"]`)) !== null;

  step = "2. the case";
  response = await go(page, () => page.click(`main a[href="${casePath}"]`));
  await check(page, "dossier", response);

  step = "2. starts examining";
  response = await go(page, () => page.getByRole("button", { name: "Commencer l’instruction" }).click());
  await check(page, "dossier-commence", response);
  report.started_text = await mainText(page);

  step = "2. asks for a document";
  await page.fill("#autres", REQUESTED);
  const replyBy = new Date(Date.now() + 21 * 24 * 3600 * 1000).toISOString().slice(0, 10);
  await page.fill("#date_reponse", replyBy);
  response = await go(page, () => page.getByRole("button", { name: "Demander les pièces" }).click());
  await check(page, "dossier-pieces-demandees", response);
  report.requested_text = await mainText(page);
  await signOut(page, "instructrice-deconnexion");

  // ---- 3. the front desk: the letter that brings the document; no deciding ----
  step = "3. front desk signs in again";
  await signIn(page, FRONT_DESK, "guichet2-");

  step = "3. the person's page";
  response = await page.goto(base + personPath, { waitUntil: "load" });
  await check(page, "personne-pieces-attendues", response);
  report.person_waiting = await mainText(page);

  step = "3. registers the letter received";
  await page.getByText("Enregistrer un courrier reçu pour ce dossier").click();
  await page.setInputFiles(`#scans-${reference}`, {
    name: "courrier-piece-identite.pdf",
    mimeType: "application/pdf",
    buffer: tinyPdf("Copie de la carte d'identite de Helene Lefevre"),
  });
  await page.fill(`#contenu-${reference}`, LETTER_SAYS);
  response = await go(page, () => page.click(submitOf(`/agents/dossiers/${reference}/courrier`)));
  await check(page, "personne-courrier-enregistre", response);
  report.post_registered = await mainText(page);

  step = "3. may not decide";
  const csrf = await page.$eval('main input[name="csrf"]', (e) => e.value);
  report.desk_decide_status = await page.evaluate(
    async ({ href, csrf, motivation }) => {
      const body = new URLSearchParams({ csrf, vu: "0", action: "decider", sens: "granted", motivation });
      const r = await fetch(href, { method: "POST", body, redirect: "manual" });
      return r.status;
    },
    { href: casePath, csrf, motivation: MOTIVATION },
  );

  step = "3. may not open the officers' queue";
  response = await page.goto(base + "/instruction", { waitUntil: "load" });
  const refused = await check(page, "file-refusee", response, true);
  report.queue_refused_title = refused.title;
  report.queue_refused_text = await mainText(page);
  response = await page.goto(base + "/agents", { waitUntil: "load" });
  await check(page, "guichet2-accueil-refus-journalise", response);
  report.desk_home_after_refusal = await mainText(page);
  await signOut(page, "guichet2-deconnexion");

  // ---- 4. the officer decides ----
  step = "4. officer signs in again";
  await signIn(page, OFFICER, "instructrice2-");

  step = "4. the case with the letter";
  response = await page.goto(base + casePath, { waitUntil: "load" });
  await check(page, "dossier-courrier-recu", response);
  report.case_with_post = await mainText(page);
  report.case_documents = await page.$$eval("main a[href]", (els) =>
    els.filter((a) => a.getAttribute("href").includes("/pieces/") || a.textContent.includes(".pdf")).map((a) => a.textContent.trim()),
  );

  step = "4. grants, previews the letter";
  await page.getByLabel("Accorder", { exact: true }).check();
  await page.fill("#motivation", MOTIVATION);
  response = await go(page, () => page.getByRole("button", { name: "Voir le courrier avant d’envoyer" }).click());
  await check(page, "apercu-decision", response);
  report.preview_text = await mainText(page);

  step = "4. confirms";
  response = await go(page, () => page.getByRole("button", { name: "Confirmer la décision et envoyer" }).click());
  await check(page, "dossier-decide", response);
  report.decided_text = await mainText(page);
  await signOut(page, "instructrice2-deconnexion");

  // ---- 5. the person follows her case ----
  step = "5. the person follows her case";
  const other = await browser.newContext(contextOptions);
  const person = await other.newPage();
  response = await person.goto(base + "/suivi", { waitUntil: "load" });
  await check(person, "suivi", response);
  await person.fill("#reference", reference);
  await person.fill("#code", report.follow_up_code || "");
  response = await go(person, () => person.click('main button[type="submit"]'));
  await check(person, "suivi-dossier-decide", response);
  report.followed_text = await mainText(person);
  step = "done";
} catch (e) {
  report.failed_at = step;
  report.error = String(e && e.stack ? e.stack : e);
} finally {
  await browser.close();
}
report.finished = step === "done";
process.stdout.write(JSON.stringify(report, null, 1) + "\n");
