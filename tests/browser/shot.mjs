// The screenshot in docs/gallery.png, taken by hand (not a test):
//   node tests/browser/shot.mjs build/examples/gallery/gemflow-gallery docs/gallery.png
// Starts the gallery (its simulator thinking slowly), makes one image,
// starts a second and takes the picture while the model is still thinking.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const [gallery, out] = process.argv.slice(2);
if (!gallery || !out) {
  console.error("usage: node shot.mjs GEMFLOW-GALLERY OUT.png");
  process.exit(2);
}
const child = spawn(gallery, ["--listen", "127.0.0.1:0", "--sim-think", "1500"],
                    { stdio: ["ignore", "pipe", "inherit"] });
const url = await new Promise((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error("the gallery did not get ready")), 10000);
  child.stdout.on("data", (d) => {
    const m = /url=(\S+)/.exec(String(d));
    if (m) { clearTimeout(timer); resolve(m[1]); }
  });
  child.on("exit", () => reject(new Error("the gallery exited")));
});

const profile = mkdtempSync(join(tmpdir(), "gemflow-shot-"));
const ctx = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium", headless: true, timeout: 30000,
  viewport: { width: 1280, height: 1000 },
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
  const page = await ctx.newPage();
  page.setDefaultTimeout(60000);
  await page.goto(url);
  await page.waitForSelector("#aspect option", { state: "attached" });
  const make = async (prompt, aspect) => {
    await page.fill("#prompt", prompt);
    await page.selectOption("#aspect", aspect);
    await page.click("#go");
  };
  await make("a lighthouse on a cliff at dawn, watercolour", "16:9");
  await page.waitForSelector(".card[data-state=done] img[data-role=image]");
  await make("a bowl of ramen seen from above, ink and wash", "4:3");
  // two thoughts in, the third and the image still to come
  await page.waitForFunction(() => (document.querySelector(".thread .card [data-role=thoughts]")
    ?.textContent || "").includes("Choosing the palette"));
  await page.fill("#prompt", "");
  await page.screenshot({ path: out });
  console.log("wrote " + out);
} finally {
  await ctx.close();
  rmSync(profile, { recursive: true, force: true });
  child.kill("SIGTERM");
}
