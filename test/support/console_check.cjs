// Drive the llmops-ui console (built and served OUTSIDE this repo) against our server in
// headless Chromium: log in, reach /home, check the account is shown, take a screenshot.
// Optionally upload an avatar through the settings dialog (exercises /upload-files/image).
// Usage (see docs/console-check.md):
//   NODE_PATH=<dir with playwright-core> CONSOLE_URL=http://127.0.0.1:5173 API_URL=http://127.0.0.1:5000 \
//   EMAIL=... PASSWORD=... SCREENSHOT=/tmp/console-home.png [AVATAR=/path/to.png] node test/support/console_check.cjs
const { chromium } = require("playwright-core");

const CONSOLE_URL = process.env.CONSOLE_URL || "http://127.0.0.1:5173";
const API_URL = process.env.API_URL || "http://127.0.0.1:5000";
const { EMAIL, PASSWORD } = process.env;
const SCREENSHOT = process.env.SCREENSHOT || "/tmp/console-home.png";
// Console routes of later issues that the home page calls; reported, but not a failure here.
const NOT_YET = (process.env.NOT_YET || "/assistant-agent/").split(",").filter(Boolean);

(async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  const calls = [];
  const problems = [];
  const notYet = [];
  const other = [];
  page.on("console", (msg) => { if (msg.type() === "error") other.push(`console error: ${msg.text()}`); });
  page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
  page.on("requestfailed", (req) => {
    if (req.url().startsWith(API_URL)) problems.push(`request failed: ${req.method()} ${req.url()} ${req.failure()?.errorText}`);
  });
  page.on("response", async (res) => {
    const req = res.request();
    if (!req.url().startsWith(API_URL) || req.method() === "OPTIONS") return;
    let code = "";
    try {
      const ct = res.headers()["content-type"] || "";
      if (ct.includes("application/json")) code = (await res.json()).code;
      else code = ct.split(";")[0];
    } catch (e) { code = "(unreadable)"; }
    const line = `${req.method()} ${req.url().slice(API_URL.length)} -> ${res.status()} ${code}`;
    calls.push(line);
    const ok = res.status() === 200 && (!code || ["success", "image/png", "image/jpeg", "image/gif", "image/webp"].includes(code));
    if (!ok) (NOT_YET.some((p) => req.url().startsWith(API_URL + p)) ? notYet : problems).push(line);
  });

  await page.goto(CONSOLE_URL + "/", { waitUntil: "networkidle" });
  await page.waitForURL(/\/auth\/login/, { timeout: 15000 });
  await page.getByPlaceholder("登录账号").fill(EMAIL);
  await page.getByPlaceholder("账号密码").fill(PASSWORD);
  await page.locator("button[type=submit]").click();
  await page.waitForURL(/\/home/, { timeout: 15000 });
  await page.getByText(EMAIL).first().waitFor({ timeout: 15000 });
  await page.waitForLoadState("networkidle");
  await page.screenshot({ path: SCREENSHOT, fullPage: false });
  console.log(`home reached: ${page.url()}, account e-mail visible, screenshot ${SCREENSHOT}`);

  if (process.env.AVATAR) {
    // Settings dialog: account menu -> 账号设置, replace the avatar (uploads to /upload-files/image,
    // then POST /account/avatar with the returned image_url), then check the <img> loads it.
    await page.getByText(EMAIL).first().click();
    await page.getByText("账号设置", { exact: true }).first().click();
    const dialog = page.locator(".arco-modal");
    await dialog.waitFor({ timeout: 10000 });
    await page.waitForTimeout(500); // the dialog's open animation
    // the upload allows one picture: remove the current one first (the account starts without avatar)
    if (await dialog.locator(".arco-upload-list-picture").count() > 0) {
      await dialog.locator(".arco-upload-list-picture-operation .arco-icon-delete").first().dispatchEvent("click");
      await dialog.locator(".arco-upload-list-picture").first().waitFor({ state: "detached", timeout: 5000 });
    }
    const uploaded = page.waitForResponse((r) => r.url().startsWith(API_URL + "/upload-files/image"), { timeout: 15000 });
    const saved = page.waitForResponse((r) => r.url().startsWith(API_URL + "/account/avatar"), { timeout: 15000 });
    await dialog.locator("input[type=file]").first().setInputFiles(process.env.AVATAR);
    const imageUrl = (await (await uploaded).json()).data.image_url;
    await saved;
    await page.waitForLoadState("networkidle");
    // the sidebar avatar (<img>, no Authorization header) must show the new image_url
    const loaded = await page.waitForFunction((prefix) => Array.from(document.images)
      .some((img) => img.src.startsWith(prefix) && img.complete && img.naturalWidth > 0),
      imageUrl.split("?")[0], { timeout: 10000 }).then(() => [true], () => []);
    const avatarShot = SCREENSHOT.replace(/\.png$/, "-avatar.png");
    await page.screenshot({ path: avatarShot });
    console.log(`avatar uploaded: ${imageUrl}; <img> elements showing it: ${JSON.stringify(loaded)}; screenshot ${avatarShot}`);
    if (!loaded.length || !loaded.every(Boolean)) problems.push("avatar image did not load from image_url");
  }

  console.log("API calls:\n  " + calls.join("\n  "));
  if (notYet.length) console.log("calls to routes of later issues:\n  " + notYet.join("\n  "));
  if (other.length) console.log("browser console errors (static files, later routes):\n  " + other.join("\n  "));
  console.log(problems.length ? "PROBLEMS:\n  " + problems.join("\n  ") : "no failed API calls of this issue");
  await browser.close();
  process.exit(problems.length ? 1 : 0);
})().catch((err) => { console.error(err); process.exit(2); });
