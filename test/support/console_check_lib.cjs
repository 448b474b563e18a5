// What every console check shares (docs/console-check.md): Chromium with the flags this machine
// needs, a log of every API call with its status and envelope code (a call that is not 200 +
// success / an event stream / an image is a problem, unless its path is in NOT_YET), `expect`
// steps that record a failure and go on, the console's login form, and the final report (exit 1
// when anything went wrong).
const { chromium } = require("playwright-core");

const CONSOLE_URL = process.env.CONSOLE_URL || "http://127.0.0.1:5173";
const API_URL = process.env.API_URL || "http://127.0.0.1:5000";
const ICON_PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==", "base64");

function shotNamer(screenshot) {
  return (suffix) => screenshot.replace(/\.png$/, `-${suffix}.png`);
}

// onCall(request, path): extra bookkeeping of a script (e.g. the draft graphs the editor saved)
async function openConsole({ notYet = "", onCall } = {}) {
  const allowed = (process.env.NOT_YET ?? notYet).split(",").filter(Boolean);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
  // LOCALE=zh-CN: the browser sends Accept-Language zh-CN (the console's users) and the toasts are Chinese
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 }, locale: process.env.LOCALE || "en-US" });
  const problems = [];
  const calls = [];
  page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
  page.on("response", async (res) => {
    const req = res.request();
    if (!req.url().startsWith(API_URL) || req.method() === "OPTIONS") return;
    const ct = res.headers()["content-type"] || "";
    let code = ct.split(";")[0];
    if (ct.includes("application/json")) {
      try { code = (await res.json()).code; } catch (e) { code = "(unreadable)"; }
    }
    const path = req.url().slice(API_URL.length);
    const line = `${req.method()} ${path} -> ${res.status()} ${code}`;
    calls.push(line);
    if (onCall) onCall(req, path);
    const ok = res.status() === 200 && (!code || code === "success" || code === "text/event-stream" || code.startsWith("image/"));
    if (!ok && !allowed.some((p) => path.startsWith(p))) problems.push(line);
  });
  const expect = async (what, fn) => {
    try { await fn(); console.log(`ok: ${what}`); } catch (e) { problems.push(`${what}: ${e.message.split("\n")[0]}`); }
  };
  const login = async (email, password) => {
    await page.goto(CONSOLE_URL + "/", { waitUntil: "networkidle" });
    await page.waitForURL(/\/auth\/login/, { timeout: 15000 });
    await page.getByPlaceholder("登录账号").fill(email);
    await page.getByPlaceholder("账号密码").fill(password);
    await page.locator("button[type=submit]").click();
    await page.waitForURL(/\/home/, { timeout: 15000 });
  };
  const finish = async (passed) => {
    console.log("API calls:\n  " + calls.join("\n  "));
    console.log(problems.length ? "PROBLEMS:\n  " + problems.join("\n  ") : passed || "no problems");
    await browser.close();
    process.exit(problems.length ? 1 : 0);
  };
  return { browser, page, problems, calls, expect, login, finish };
}

function run(main) {
  main().catch((err) => { console.error(err); process.exit(2); });
}

module.exports = { API_URL, CONSOLE_URL, ICON_PNG, openConsole, run, shotNamer };
