// Drives gemflow-gallery's page in headless Chromium (gallery.sh starts the
// gallery and works out the expected digests). Environment:
//   GALLERY_URL  the page, http://127.0.0.1:PORT/
//   EXPECT       JSON: {name: {prompt, aspect, size, sha256, width, height}}
//   SHOT         where to save a screenshot taken mid-generation
//   REF_IMAGE    a PNG to drop in as a reference image
//   CHROMIUM     the browser (default /usr/bin/chromium, Debian's)
// Prints "ok: ..." per check; exits 1 at the first failure, with the reason.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const URL_ = process.env.GALLERY_URL;
const EXPECT = JSON.parse(process.env.EXPECT || "{}");
const STEP_MS = 60000; // any one wait; gallery.sh bounds the whole run

let failures = 0;
const ok = (what) => console.log("ok: " + what);
function check(cond, what, detail = "") {
  if (cond) return ok(what);
  failures++;
  console.error("FAIL: " + what + (detail ? " (" + detail + ")" : ""));
}

// Installed in every page before its scripts: notes, per generation, each
// time its thinking text grows and when its final image first shows,
// watching the DOM only (not the page's own bookkeeping).
function observeOrder() {
  window.__seen = {};
  const now = () => performance.timeOrigin + performance.now(); // comparable across pages
  const look = () => {
    for (const card of document.querySelectorAll(".card[data-job]")) {
      const rec = (window.__seen[card.dataset.job] ||= { grew: [], len: 0 });
      const t = card.querySelector("[data-role=thoughts]");
      const len = t ? t.textContent.trim().length : 0;
      if (len > rec.len && !rec.image) rec.grew.push(now());
      rec.len = len;
      if (!rec.image && card.querySelector("img[data-role=image]")) rec.image = now();
    }
  };
  new MutationObserver(look).observe(document, {
    subtree: true, childList: true, characterData: true, attributes: true });
}

async function openPage(ctx) {
  const page = await ctx.newPage();
  page.setDefaultTimeout(STEP_MS);
  page.on("pageerror", (e) => { failures++; console.error("FAIL: page error: " + e.message); });
  // a CSP violation, a failed load: the page logs an error
  page.on("console", (m) => {
    if (m.type() === "error") { failures++; console.error("FAIL: console: " + m.text()); }
  });
  await page.goto(URL_);
  await page.waitForSelector("#aspect option", { state: "attached" }); // /api/config answered
  return page;
}

// Fills the form in; go() then starts the generation and gives the new
// card's locator (two pages are filled in first, then started together).
async function fill(page, prompt, aspect = "1:1", size = "1K") {
  await page.fill("#prompt", prompt);
  await page.selectOption("#aspect", aspect);
  await page.selectOption("#size", size);
  const before = await page.locator(".thread").count();
  return async () => {
    await page.click("#go");
    await page.waitForFunction((n) => document.querySelectorAll(".thread").length > n, before);
    return page.locator(".thread").first().locator(".card").last();
  };
}

async function submit(page, prompt, aspect, size) {
  return (await fill(page, prompt, aspect, size))();
}

async function settled(card) {
  const el = await card.elementHandle();
  await card.page().waitForFunction(
    (e) => e.dataset.state === "done" || e.dataset.state === "failed", el, { timeout: STEP_MS });
  return card.getAttribute("data-state");
}

// The image as the page shows it: loaded, then fetched by the page and
// hashed there with WebCrypto.
async function shownImage(card) {
  const img = card.locator("img[data-role=image]");
  await img.waitFor();
  return img.evaluate(async (el) => {
    await el.decode();
    const bytes = await (await fetch(el.src)).arrayBuffer();
    const d = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
    return { sha256: [...d].map((b) => b.toString(16).padStart(2, "0")).join(""),
             width: el.naturalWidth, height: el.naturalHeight };
  });
}

async function checkImage(name, card) {
  const want = EXPECT[name];
  const state = await settled(card);
  check(state === "done", name + ": generation succeeded", "state " + state + ": " +
        (await card.locator("[data-role=error]").textContent()));
  if (state !== "done") return null;
  const got = await shownImage(card);
  check(got.sha256 === want.sha256, name + ": image matches the simulator's sha256",
        got.sha256 + " != " + want.sha256);
  check(got.width === want.width && got.height === want.height,
        name + ": image is " + want.width + "x" + want.height, got.width + "x" + got.height);
  const stats = await card.locator("[data-role=stats]").textContent();
  check(/tokens: prompt \d/.test(stats) && /\$0\.\d{3}/.test(stats),
        name + ": tokens and cost shown", stats);
  return got;
}

// Live, not replayed: the thinking grew thought by thought (the simulator
// pauses a second after each), at least two steps well before the image
// showed. A stream that broke and was replayed whole on EventSource's
// reconnect shows the rest of the thinking and the image at once. (Two,
// not all three: on a loaded machine the page may paint the last thought
// together with the image.)
async function thoughtBeforeImage(page, card, name) {
  const job = await card.getAttribute("data-job");
  const rec = await page.evaluate((j) => window.__seen[j], job);
  const before = rec && rec.image ? rec.grew.filter((t) => t < rec.image - 50) : [];
  check(before.length >= 2, name + ": thinking appeared live, thought by thought, before the image",
        JSON.stringify(rec));
  return rec;
}

async function twoAtOnce(ctx) {
  const [p1, p2] = await Promise.all([openPage(ctx), openPage(ctx)]);
  const go = await Promise.all([
    fill(p1, EXPECT.first.prompt, EXPECT.first.aspect, EXPECT.first.size),
    fill(p2, EXPECT.second.prompt, EXPECT.second.aspect, EXPECT.second.size)]);
  const [a, b] = await Promise.all(go.map((g) => g()));
  const [ia] = await Promise.all([checkImage("first", a), checkImage("second", b)]);
  const ra = await thoughtBeforeImage(p1, a, "first");
  const rb = await thoughtBeforeImage(p2, b, "second");
  // at once: each one's thinking began before the other's image showed
  check(ra && rb && ra.grew[0] < rb.image && rb.grew[0] < ra.image, "two pages generated at once",
        JSON.stringify([ra, rb]));
  return { p1, p2, a, ia };
}

async function refine(page, first, firstImage) {
  await first.locator("[data-role=refine-input]").fill(EXPECT.refine.prompt);
  await first.locator("[data-role=refine-go]").click();
  const thread = page.locator(".thread").first();
  await page.waitForFunction(() => document.querySelector(".thread").querySelectorAll(".card").length === 2);
  const second = thread.locator(".card").nth(1);
  const img = await checkImage("refine", second);
  check(img && firstImage && img.sha256 !== firstImage.sha256, "refine: a different image");
  check((await second.locator(".turn").textContent()) === "turn 2", "refine: shown as turn 2");
  check((await second.getAttribute("data-chat")) === (await first.getAttribute("data-chat")),
        "refine: same conversation");
}

async function blocked(page) {
  for (const [prompt, reason] of [[EXPECT.blocked.prompt, "SAFETY"],
                                  [EXPECT.unsafe.prompt, "IMAGE_SAFETY"]]) {
    const card = await submit(page, prompt);
    const state = await settled(card);
    const text = await card.locator("[data-role=error]").textContent();
    check(state === "failed" && text.includes(reason) &&
          (await card.locator("[data-role=error]").isVisible()),
          "a blocked prompt shows its reason (" + reason + ")", state + ": " + text);
    check(await card.locator("img[data-role=image]").count() === 0, "no image for " + reason);
  }
  // a 503 first: the page is told, drops what it had, and gets the image
  const retried = await submit(page, EXPECT.retry.prompt, EXPECT.retry.aspect, EXPECT.retry.size);
  await retried.locator("[data-role=progress]").filter({ hasText: "retrying" }).waitFor();
  ok("retry: the page said it retries");
  await checkImage("retry", retried);
  // the Cancel button, while the model thinks
  const card = await submit(page, EXPECT.cancel.prompt);
  await card.locator("[data-role=thoughts]").filter({ hasText: /\S/ }).waitFor();
  await card.locator("[data-role=cancel]").click();
  const state = await settled(card);
  const text = await card.locator("[data-role=error]").textContent();
  check(state === "failed" && /cancel/i.test(text), "Cancel stops the generation", state + ": " + text);
}

async function reloadMidStream(ctx) {
  const page = await openPage(ctx);
  await page.setViewportSize({ width: 1280, height: 860 });
  const card = await submit(page, EXPECT.slow.prompt);
  await page.waitForFunction(() =>
    (document.querySelector(".card [data-role=thoughts]")?.textContent || "").length > 0);
  check(await card.getAttribute("data-state") === "running", "reload: still generating when reloaded");
  if (process.env.SHOT) await page.screenshot({ path: process.env.SHOT });
  await page.reload();
  await page.waitForSelector("#aspect option", { state: "attached" });
  // with a reference image, dropped in through the file input
  await page.setInputFiles("#files", process.env.REF_IMAGE);
  await page.locator("#drop .ref img").waitFor();
  const after = await submit(page, EXPECT.after.prompt, EXPECT.after.aspect, EXPECT.after.size);
  await checkImage("after", after);
  const stats = await page.evaluate(async () => (await fetch("/api/stats")).json());
  check(typeof stats.running === "number", "reload: the server still answers", JSON.stringify(stats));
}

async function main() {
  if (!URL_) throw new Error("GALLERY_URL is not set");
  const profile = mkdtempSync(join(tmpdir(), "gemflow-chromium-"));
  let ctx;
  try {
    ctx = await chromium.launchPersistentContext(profile, {
      executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
      headless: true,
      timeout: 30000,
      // Without the background-networking flags Chromium waits on a network
      // this machine does not have.
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
  } catch (e) {
    rmSync(profile, { recursive: true, force: true });
    console.error("FAIL: Chromium could not start: " + e.message);
    process.exit(1);
  }
  try {
    await ctx.addInitScript(observeOrder);
    const { p1, p2, a, ia } = await twoAtOnce(ctx);
    await refine(p1, a, ia);
    await blocked(p2);
    await reloadMidStream(ctx);
  } catch (e) {
    failures++;
    console.error("FAIL: " + (e.stack || e));
  } finally {
    await ctx.close().catch(() => {});
    rmSync(profile, { recursive: true, force: true });
  }
  process.exit(failures ? 1 : 0);
}

main();
