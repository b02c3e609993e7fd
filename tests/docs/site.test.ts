/**
 * The built on-call site in a real headless Chromium: the site is built once
 * (with fixture drill records), served on 127.0.0.1, and browsed.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { alerts, alertSlug } from "../../monitoring/alerts";
import { evidence, probe, root, serveStatic, writeRecords } from "./helpers";

const work = mkdtempSync(join(tmpdir(), "gw-docs-site-"));
const outDir = join(work, "dist");
const drills = join(work, "drills");
let site: Awaited<ReturnType<typeof serveStatic>>;
let context: BrowserContext;
let page: Page;
let builder: ChildProcess | undefined;

/** Three db-failover rehearsals (the middle one failed) and one DR drill. */
function fixtureRecords(): void {
  writeRecords(drills, [
    evidence({ runbook: "db-failover", startedAt: "2025-03-01T09:00:00.000Z", measurements: { probe: probe(1.42, 0) } }),
    evidence({ runbook: "db-failover", startedAt: "2025-03-02T09:00:00.000Z", outcome: "failed", error: "step 2 verify failed", measurements: { probe: probe(null) } }),
    evidence({ runbook: "db-failover", startedAt: "2025-03-03T09:00:00.000Z", measurements: { probe: probe(0.87, 0) } }),
    evidence({
      runbook: "dr-drill",
      startedAt: "2025-03-03T10:00:00.000Z",
      measurements: {
        databaseFailover: { rtoSeconds: 0.9, rpoSeconds: 0, lostWrites: 0 },
        cacheFailover: { rtoSeconds: 2.1, rpoSeconds: 0, lostWrites: 0 },
      },
    }),
  ]);
}

/** `vitepress build docs` into a temp directory, reading the fixture drill records. */
function build(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = (builder = spawn(process.execPath, [join(root, "node_modules", "vitepress", "bin", "vitepress.js"), "build", "docs", "--outDir", outDir], {
      cwd: root,
      env: { ...process.env, GROUNDWORK_DRILLS_DIR: drills },
      stdio: ["ignore", "pipe", "pipe"],
    }));
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`vitepress build exited ${code}:\n${output.slice(-4000)}`))));
  });
}

beforeAll(async () => {
  fixtureRecords();
  await build();
  site = await serveStatic(outDir);
  context = await chromium.launchPersistentContext(join(work, "profile"), {
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    viewport: { width: 1280, height: 900 },
  });
  page = context.pages()[0] ?? (await context.newPage());
}, 180_000);

afterAll(async () => {
  // A build that outlived its timeout must not keep running after the tests.
  if (builder && builder.exitCode === null) builder.kill();
  await context?.close();
  await site?.close();
  rmSync(work, { recursive: true, force: true });
});

/**
 * Runbooks with a committed page. The browser tests check the site as built;
 * whether the pages match the runbooks in runbooks/ is generate.test.ts's job.
 */
const runbookPages = () =>
  readdirSync(join(root, "docs", "runbooks"))
    .filter((f) => f.endsWith(".md") && f !== "index.md")
    .map((f) => f.replace(/\.md$/, ""));

/** Open a path of the site; fails on an HTTP error. */
async function open(path: string): Promise<void> {
  const response = await page.goto(`${site.url}${path}`, { waitUntil: "load" });
  expect(response?.status(), path).toBe(200);
}

describe("the on-call site in a browser", () => {
  it("renders the start page", async () => {
    await open("/");
    await expect(page.title()).resolves.toContain("Groundwork on-call");
    expect(await page.locator("h1", { hasText: "On-call: start here" }).isVisible()).toBe(true);
    expect(await page.locator("h2", { hasText: "The first five minutes" }).isVisible()).toBe(true);
    expect(await page.locator("h2", { hasText: "Escalation policy" }).isVisible()).toBe(true);
  });

  it("has no broken internal link: every page reachable from the start page loads", async () => {
    const seen = new Set<string>(["/"]);
    const queue = ["/"];
    const broken: string[] = [];
    while (queue.length > 0) {
      const path = queue.shift()!;
      const response = await page.goto(`${site.url}${path}`, { waitUntil: "domcontentloaded" });
      if (!response || response.status() >= 400) {
        broken.push(`${path}: HTTP ${response?.status()}`);
        continue;
      }
      // `href` resolved by the browser (page-relative links included); lib "dom" is not in tsconfig.
      const hrefs = await page.$$eval("a[href]", (as) => as.map((a) => (a as unknown as { href: string }).href));
      for (const href of hrefs) {
        const url = new URL(href);
        if (url.origin !== site.url) continue;
        const target = decodeURIComponent(url.pathname);
        if (!seen.has(target)) {
          seen.add(target);
          queue.push(target);
        }
      }
    }
    expect(broken).toEqual([]);
    // Every alert page and every runbook page is linked from somewhere (the sidebar at least).
    for (const a of alerts) expect(seen, a.name).toContain(`/alerts/${alertSlug(a.name)}`);
    for (const id of runbookPages()) expect(seen, id).toContain(`/runbooks/${id}`);
    for (const p of ["/architecture", "/incident-response", "/security", "/backup-dr", "/production-setup", "/reference/environments", "/reference/services", "/troubleshooting/"]) {
      expect(seen).toContain(p);
    }
  }, 120_000);

  it("links an alert page to its runbook page", async () => {
    const existing = new Set(runbookPages());
    const alert = alerts.find((a) => a.runbooks.some((r) => existing.has(r)));
    expect(alert, "an alert that declares an existing runbook").toBeDefined();
    const runbook = alert!.runbooks.find((r) => existing.has(r))!;
    await open(`/alerts/${alertSlug(alert!.name)}`);
    // VitePress writes page-relative hrefs (./../runbooks/<id>); the click must land on the clean URL.
    const link = page.locator(`#runbooks ~ ul a[href$="/runbooks/${runbook}"]`).first();
    await link.click();
    await page.waitForURL(`${site.url}/runbooks/${runbook}`);
    // Client-side navigation: the URL changes before the new page renders.
    await expect.poll(() => page.locator(".vp-doc h1").first().textContent(), { timeout: 15_000 }).toContain(runbook);
  });

  it("finds a runbook by name with the local search", async () => {
    await open("/");
    await page.locator(".VPNavBarSearch button").first().click();
    const input = page.locator("#localsearch-input");
    await input.fill("redis-failover");
    const hit = page.locator('.VPLocalSearchBox .results a[href*="/runbooks/redis-failover"]').first();
    await hit.waitFor({ timeout: 15_000 });
    await hit.click();
    await page.waitForURL(/\/runbooks\/redis-failover/);
    await expect.poll(() => page.locator(".vp-doc h1").first().textContent(), { timeout: 15_000 }).toContain("redis-failover");
  });

  it("renders the Mermaid diagrams to SVG", async () => {
    await open("/architecture");
    const diagrams = page.locator(".mermaid");
    await page.locator(".mermaid svg").first().waitFor({ timeout: 30_000 });
    const count = await diagrams.count();
    expect(count).toBeGreaterThanOrEqual(5);
    await expect.poll(() => page.locator(".mermaid svg").count(), { timeout: 30_000 }).toBe(count);
    // Rendered, not an error box: nodes with text.
    expect(await page.locator(".mermaid svg").first().locator("text, foreignObject").count()).toBeGreaterThan(0);
    const errors = await page.$$eval(".mermaid", (els) => els.map((e) => e.textContent ?? "").filter((t) => t.includes("Syntax error")));
    expect(errors).toEqual([]);
  });

  it("shows the last drill's RTO/RPO and a chart of recent drills on a runbook page, and writes a screenshot", async () => {
    await open("/runbooks/db-failover");
    const latest = page.locator('[data-testid="drill-latest"]');
    await latest.waitFor();
    const text = (await latest.textContent()) ?? "";
    expect(text).toContain("2025-03-03 09:00 UTC");
    expect(text).toContain("RTO 0.87 s");
    expect(text).toContain("RPO 0 s");
    // Two runs measured an RTO; the failed one did not, but is listed.
    expect(await page.locator(".drill-chart svg rect").count()).toBe(2);
    expect(await page.locator(".drill-runs tbody tr").count()).toBe(3);
    expect(await page.locator(".drill-runs td.failed").textContent()).toBe("failed");

    const dir = join(root, "test-results");
    mkdirSync(dir, { recursive: true });
    await page.locator("#last-drills").scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(dir, "runbook-page.png"), fullPage: true });
    await page.locator(".drill-history").first().screenshot({ path: join(dir, "runbook-drills.png") });
    expect(statSync(join(dir, "runbook-page.png")).size).toBeGreaterThan(10_000);
  });

  it("says so on a runbook page when no drill was recorded", async () => {
    await open("/runbooks/state-restore");
    expect(await page.locator(".drill-history", { hasText: "No drill recorded" }).isVisible()).toBe(true);
  });

  it("highlights differences in the environment matrix", async () => {
    await open("/reference/environments");
    expect(await page.locator("table mark").count()).toBeGreaterThan(10);
  });
});
