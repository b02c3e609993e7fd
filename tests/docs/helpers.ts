/** Shared helpers for the docs tests: paths, fixture drill records, a static server for the built site. */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize } from "node:path";
import type { Evidence } from "../../runbooks/lib/report.mjs";

export const root = join(import.meta.dirname, "..", "..");

/** An evidence report as `runbooks/lib/report.mjs` writes it, with the fields a test cares about overridden. */
export function evidence(overrides: Partial<Evidence> & Pick<Evidence, "runbook" | "startedAt">): Evidence {
  return {
    title: overrides.runbook,
    env: "local",
    runId: `${overrides.runbook}-${overrides.startedAt}`,
    params: {},
    commit: "0123456789abcdef0123456789abcdef01234567",
    operator: "tester",
    endedAt: new Date(Date.parse(overrides.startedAt) + 12_300).toISOString(),
    outcome: "succeeded",
    error: null,
    steps: [],
    measurements: {},
    ...overrides,
  };
}

/** Write reports into `<dir>/records/` the way the engine names them. */
export function writeRecords(dir: string, reports: readonly Evidence[]): void {
  mkdirSync(join(dir, "records"), { recursive: true });
  for (const e of reports) {
    const stamp = e.startedAt.replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
    writeFileSync(join(dir, "records", `${stamp}-${e.runbook}-${e.env}.json`), `${JSON.stringify(e, null, 2)}\n`);
  }
}

/** A write-probe measurement, as `runbooks/lib/probe.mjs` computes it. */
export function probe(rtoSeconds: number | null, lostWrites = 0, rpoSeconds = 0): Record<string, unknown> {
  return { ackedWrites: 500, failedWrites: 12, faultAt: null, firstWriteAfterFaultAt: null, rtoSeconds, lostWrites, lostSeqs: [], rpoSeconds, oldPrimary: "pg-a", newPrimary: "pg-b" };
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
  ".css": "text/css",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".woff2": "font/woff2",
  ".png": "image/png",
};

/**
 * Serve a built VitePress site on 127.0.0.1 as its host would with
 * `cleanUrls`: `/a/b` is `a/b.html`, `/a/` is `a/index.html`; anything else is
 * a 404 with the site's 404 page.
 */
export async function serveStatic(dir: string): Promise<{ url: string; close: () => Promise<void> }> {
  const file = (path: string) => {
    const rel = normalize(decodeURIComponent(path)).replace(/^(\.\.[/\\])+/, "");
    for (const candidate of [rel, `${rel}.html`, join(rel, "index.html")]) {
      const abs = join(dir, candidate);
      if (abs.startsWith(dir) && existsSync(abs) && statSync(abs).isFile()) return abs;
    }
    return null;
  };
  const server: Server = createServer((req, res) => {
    const found = file(new URL(req.url ?? "/", "http://localhost").pathname);
    if (!found) {
      res.writeHead(404, { "content-type": TYPES[".html"] });
      res.end(existsSync(join(dir, "404.html")) ? readFileSync(join(dir, "404.html")) : "not found");
      return;
    }
    res.writeHead(200, { "content-type": TYPES[extname(found)] ?? "application/octet-stream" });
    res.end(readFileSync(found));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
