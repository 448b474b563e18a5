// The llmops-ui workflow editor against our server in headless Chromium (issue 12): log in,
// 个人空间 -> 工作流 -> 创建工作流 (icon upload, name, tool name, description), then in the editor add
// a start and an end node from the 节点 menu, drag the start node's handle onto the end node (an
// edge), give the start node an input in its panel and 保存, give the end node an output that
// references it (the 引用 picker) and 保存, open 调试, fill the input, 开始运行 and wait for 运行成功
// with the end node's outputs, go back to the list and reopen the workflow (the
// publish button follows is_debug_passed; the static server has no SPA fallback, so no reload),
// 更新发布 and see 已发布. Every API call is printed with its status and envelope code; exits
// non-zero when one fails or an expectation is not met (docs/console-check.md).
//   NODE_PATH=<playwright-core dir> CONSOLE_URL=... API_URL=... EMAIL=... PASSWORD=... \
//   SCREENSHOT=/tmp/console-workflow.png node test/support/console_check_workflows.cjs
const { API_URL, ICON_PNG, openConsole, run, shotNamer } = require("./console_check_lib.cjs");

const { EMAIL, PASSWORD } = process.env;
const SCREENSHOT = process.env.SCREENSHOT || "/tmp/console-workflow.png";
const shot = shotNamer(SCREENSHOT);
const TOOL_NAME = `console_check_${Date.now()}`;

run(async () => {
  const drafts = [];
  const { page, calls, expect, login, finish } = await openConsole({
    notYet: "/assistant-agent/",
    onCall: (req, path) => {
      if (req.method() === "POST" && path.endsWith("/draft-graph")) drafts.push(JSON.parse(req.postData() || "{}"));
    },
  });
  const saved = () => page.waitForResponse((r) => r.request().method() === "POST" && r.url().endsWith("/draft-graph"),
    { timeout: 15000 });

  await login(EMAIL, PASSWORD);

  // 个人空间 -> 工作流 -> 创建工作流
  await page.getByText("个人空间", { exact: true }).first().click();
  await page.waitForURL(/\/space\/apps/, { timeout: 15000 });
  await page.getByRole("link", { name: "工作流", exact: true }).first().click();
  await page.waitForURL(/\/space\/workflows/, { timeout: 15000 });
  await page.getByRole("button", { name: "创建工作流" }).click();
  const modal = page.locator(".arco-modal").filter({ hasText: "英文名称" });
  await modal.waitFor({ timeout: 10000 });
  const uploaded = page.waitForResponse((r) => r.url().startsWith(API_URL + "/upload-files/image"), { timeout: 15000 });
  await modal.locator("input[type=file]").first().setInputFiles({ name: "icon.png", mimeType: "image/png", buffer: ICON_PNG });
  await uploaded;
  await modal.getByPlaceholder("请输入工作流名称").fill("控制台检查工作流");
  await modal.getByPlaceholder("英文名称将用于被大模型识别及调用").fill(TOOL_NAME);
  await modal.getByPlaceholder(/请输入关于该工作流的描述信息/).fill("在无头浏览器里创建、连线、调试并发布");
  await modal.getByRole("button", { name: "保存" }).click();
  await page.waitForURL(/\/space\/workflows\/[0-9a-f-]{36}/, { timeout: 15000 });
  const workflowId = page.url().match(/[0-9a-f-]{36}/)[0];
  await page.waitForLoadState("networkidle");
  console.log(`editor opened for workflow ${workflowId}`);

  // the 节点 menu (a hover popup): a start node, then an end node; each add autosaves the draft
  const addNode = async (label) => {
    await page.getByRole("button", { name: "节点" }).hover();
    const item = page.locator(".arco-trigger-popup").getByText(label, { exact: true });
    await item.waitFor({ timeout: 5000 });
    const save = saved();
    await item.click();
    await save;
  };
  await addNode("开始节点");
  await addNode("结束节点");
  const start = page.locator(".vue-flow__node-start");
  const end = page.locator(".vue-flow__node-end");
  await end.waitFor({ timeout: 5000 });
  // both were added at the nodes' average position: drag the end node to the right
  const box = await end.boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + 20);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2 + 420, box.y + 60, { steps: 12 });
  let save = saved();
  await page.mouse.up();
  await save;
  // connect: the start node's source handle onto the end node's target handle
  const from = await start.locator(".vue-flow__handle.source").boundingBox();
  const to = await end.locator(".vue-flow__handle.target").boundingBox();
  save = saved();
  await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
  await page.mouse.down();
  await page.mouse.move(to.x + to.width / 2, to.y + to.height / 2, { steps: 15 });
  await page.mouse.up();
  await save;
  await expect("the edge start -> end is saved", async () => {
    await page.waitForFunction(() => document.querySelectorAll(".vue-flow__edge").length === 1, null, { timeout: 5000 });
    const edges = drafts[drafts.length - 1].edges || [];
    if (edges.length !== 1 || edges[0].source_type !== "start" || edges[0].target_type !== "end") {
      throw new Error(`last draft edges: ${JSON.stringify(edges)}`);
    }
  });

  // the start node's panel: one input parameter, 保存
  await start.click();
  const panel = page.locator("#start-node-info");
  await panel.waitFor({ timeout: 5000 });
  await panel.locator("button:has(.arco-icon-plus)").first().click();
  await panel.getByPlaceholder("请输入变量名称").last().fill("query");
  await panel.getByPlaceholder(/请准确描述该参数/).last().fill("用户的问题");
  await panel.getByRole("button", { name: "保存" }).click();
  await expect("the start node's input is saved", async () => {
    // selecting the node autosaves too: wait for the save that carries the input
    const deadline = Date.now() + 15000;
    const hasInput = (d) => (d.nodes || []).some((n) => n.node_type === "start" && (n.inputs || []).some((i) => i.name === "query"));
    while (!drafts.some(hasInput)) {
      if (Date.now() > deadline) throw new Error(`no saved draft has the input: ${JSON.stringify(drafts[drafts.length - 1])}`);
      await page.waitForTimeout(100);
    }
    await page.waitForLoadState("networkidle");
  });

  // the end node's panel: one output `answer` referencing the start node's `query` (the 引用 picker)
  await page.locator(".vue-flow__pane").click({ position: { x: 200, y: 400 } });  // close the start panel
  await end.click();
  const endPanel = page.locator("#llm-node-info");
  await endPanel.waitFor({ timeout: 5000 });
  await endPanel.locator("button:has(.arco-icon-plus)").first().click();
  await endPanel.getByPlaceholder("请输入参数名").last().fill("answer");
  const pick = async (select, option) => {
    await select.click();
    await page.locator(".arco-select-dropdown:visible .arco-select-option").filter({ hasText: option }).first().click();
  };
  await pick(endPanel.locator(".arco-select").last(), "引用");
  await pick(endPanel.locator(".arco-select").last(), "query");
  await endPanel.getByRole("button", { name: "保存" }).click();
  await expect("the end node's output references the start input", async () => {
    const deadline = Date.now() + 15000;
    const refersToQuery = (d) => (d.nodes || []).some((n) => n.node_type === "end" && (n.outputs || []).some(
      (o) => o.name === "answer" && o.value?.type === "ref" && o.value.content?.ref_var_name === "query"));
    while (!drafts.some(refersToQuery)) {
      if (Date.now() > deadline) throw new Error(`no saved draft has the output: ${JSON.stringify(drafts[drafts.length - 1])}`);
      await page.waitForTimeout(100);
    }
    await page.waitForLoadState("networkidle");
  });
  await page.screenshot({ path: shot("graph") });

  // 调试: fill the input, 开始运行, the node results stream in
  await page.locator(".vue-flow__pane").click({ position: { x: 200, y: 150 } });  // close the node panel
  await page.getByRole("button", { name: "调试" }).click();
  const debug = page.getByText("工作流调试").locator("xpath=../..");
  await debug.waitFor({ timeout: 5000 });
  await debug.getByPlaceholder("请输入参考值").fill("保修多久？");
  const streamed = page.waitForResponse((r) => r.url().endsWith(`/workflows/${workflowId}/debug`), { timeout: 30000 });
  await debug.getByRole("button", { name: "开始运行" }).click();
  await expect("debug answers SSE", async () => {
    const res = await streamed;
    if (!(res.headers()["content-type"] || "").startsWith("text/event-stream")) throw new Error(res.headers()["content-type"]);
  });
  await expect("运行成功 with the run's outputs", async () => {
    await debug.getByText("运行成功").waitFor({ timeout: 30000 });
    await debug.getByText(/"answer":\s*"保修多久？"/).waitFor({ timeout: 5000 });  // the end node's outputs
  });
  await page.screenshot({ path: shot("debug") });

  // reopen the workflow from the list (the header's back link), then 更新发布
  await page.locator("a[href='/space/workflows']").first().click();
  await page.waitForURL(/\/space\/workflows$/, { timeout: 15000 });
  await page.getByRole("link", { name: "控制台检查工作流" }).first().click();
  await page.waitForURL(/\/space\/workflows\/[0-9a-f-]{36}/, { timeout: 15000 });
  await page.waitForLoadState("networkidle");
  const publish = page.getByRole("button", { name: "更新发布" });
  await expect("更新发布 is enabled after the passed debug run", async () => {
    await page.waitForFunction(() => {
      const b = Array.from(document.querySelectorAll("button")).find((x) => x.textContent.includes("更新发布"));
      return b && !b.disabled;
    }, null, { timeout: 10000 });
  });
  const published = page.waitForResponse((r) => r.url().endsWith(`/workflows/${workflowId}/publish`), { timeout: 15000 });
  await publish.click();
  await expect("publish answers success", async () => {
    const body = await (await published).json();
    if (body.code !== "success") throw new Error(JSON.stringify(body));
  });
  await expect("the list shows it published", async () => {
    await page.locator("a[href='/space/workflows']").first().click();
    await page.waitForURL(/\/space\/workflows$/, { timeout: 15000 });
    await page.waitForLoadState("networkidle");
    const listed = calls.filter((c) => c.startsWith("GET /workflows?")).length;
    if (!listed) throw new Error("the list was not loaded");
  });
  await page.screenshot({ path: SCREENSHOT });

  await finish("workflow editor check passed");
});
