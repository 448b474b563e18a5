// The llmops-ui tool store (插件广场, /store/tools) against our server in headless Chromium:
// log in, open the store, check every builtin provider card (label, tool count, an icon <img>
// that loaded, a publish date that is not 1970), filter by each category, open a card's drawer
// and see its tools and their inputs. Prints every API call with status and envelope code and
// exits non-zero when one fails. Same setup as console_check.cjs (docs/console-check.md):
//   NODE_PATH=<dir with playwright-core> CONSOLE_URL=http://127.0.0.1:5173 API_URL=http://127.0.0.1:5000 \
//   EMAIL=... PASSWORD=... SCREENSHOT=/tmp/console-tools.png node test/support/console_check_tools.cjs
const { API_URL, openConsole, run } = require("./console_check_lib.cjs");

const { EMAIL, PASSWORD } = process.env;
const SCREENSHOT = process.env.SCREENSHOT || "/tmp/console-tools.png";

run(async () => {
  const { page, problems, login, finish } = await openConsole({ notYet: "/assistant-agent/,/apps" });
  await login(EMAIL, PASSWORD);

  const listed = page.waitForResponse((r) => r.url() === API_URL + "/builtin-tools", { timeout: 15000 });
  await page.locator("a[href='/store/tools']").first().click();  // the sidebar link (SPA route)
  await page.waitForURL(/\/store\/tools/, { timeout: 15000 });
  await page.waitForLoadState("networkidle");
  const providers = (await (await listed).json()).data || [];
  await page.getByText("插件广场").first().waitFor({ timeout: 15000 });
  const cards = page.locator(".arco-card");
  await cards.first().waitFor({ timeout: 15000 });
  const count = await cards.count();
  if (providers.length && count !== providers.length) problems.push(`cards: ${count}, providers: ${providers.length}`);
  const seen = [];
  for (let i = 0; i < count; i++) {
    const card = cards.nth(i);
    const text = await card.innerText();
    if (/发布时间\s*01-01|发布时间\s*01-2/.test(text)) problems.push(`card ${i}: a 1970 date (seconds sent as ms?): ${text}`);
    const img = card.locator("img").first();
    const loaded = await img.evaluate((el) => el.complete && el.naturalWidth > 0);
    if (!loaded) problems.push(`card ${i}: icon did not load (${await img.getAttribute("src")})`);
    seen.push(text.split("\n")[0]);
  }
  console.log(`store: ${count} provider cards: ${seen.join(", ")}`);

  // categories: each filter button shows only its providers
  const buttons = page.locator("button", { hasText: /^(搜索|图片|天气|工具|其他)$/ });
  const nButtons = await buttons.count();
  for (let i = 0; i < nButtons; i++) {
    const name = (await buttons.nth(i).innerText()).trim();
    await buttons.nth(i).click();
    const shown = await page.locator(".arco-card").count();
    console.log(`category ${name}: ${shown} card(s)`);
    if (shown === 0) problems.push(`category ${name} shows no provider`);
  }
  await page.locator("button", { hasText: /^\s*全部\s*$/ }).first().click();

  // drawer of the weather provider: its tool and the tool's inputs
  await page.locator(".arco-card", { hasText: "天气" }).first().click();
  const drawer = page.locator(".arco-drawer");
  await drawer.waitFor({ timeout: 10000 });
  await drawer.getByText("实时天气").first().waitFor({ timeout: 10000 });
  await page.screenshot({ path: SCREENSHOT, fullPage: false });
  console.log(`drawer opened: ${(await drawer.innerText()).replace(/\s+/g, " ").slice(0, 200)}`);
  console.log(`screenshot ${SCREENSHOT}`);

  await finish("tool store check passed");
});
