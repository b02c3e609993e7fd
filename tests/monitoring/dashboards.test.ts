import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { services } from "../../config/services";
import { ruleFiles } from "../../monitoring/prometheus/rules";
import { root, run } from "./helpers";

interface Target {
  refId: string;
  expr: string;
  datasource?: { type: string; uid: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  gridPos: { x: number; y: number; w: number; h: number };
  targets: Target[];
}
interface DashboardJson {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: Panel[];
  templating: { list: { name: string; type: string }[] };
}

const dir = join(root, "monitoring/grafana/dashboards");
const dashboards = readdirSync(dir)
  .filter((f) => f.endsWith(".json"))
  .map((f) => ({ file: f, json: JSON.parse(readFileSync(join(dir, f), "utf8")) as DashboardJson }));
const exprs = dashboards.flatMap((d) => d.json.panels.flatMap((p) => p.targets.map((t) => ({ where: `${d.file} "${p.title}" ${t.refId}`, expr: t.expr }))));

describe("grafana dashboards", () => {
  it("cover RED per service, database, Redis, cluster capacity and cost", () => {
    const uids = dashboards.map((d) => d.json.uid);
    for (const s of services) expect(uids).toContain(`gw-svc-${s.name}`);
    for (const uid of ["gw-database", "gw-redis", "gw-cluster", "gw-cost"]) expect(uids).toContain(uid);
  });

  it.each(dashboards.map((d) => [d.file, d.json] as const))("%s has uid, title, schemaVersion and a datasource variable", (file, d) => {
    expect(file).toBe(`${d.uid}.json`);
    expect(d.uid).toMatch(/^[a-zA-Z0-9_-]{1,40}$/);
    expect(d.title.length).toBeGreaterThan(0);
    expect(d.schemaVersion).toBeGreaterThanOrEqual(36);
    expect(d.templating.list).toContainEqual(expect.objectContaining({ name: "datasource", type: "datasource" }));
  });

  it.each(dashboards.map((d) => [d.file, d.json] as const))("%s panels have datasource, targets and non-overlapping gridPos", (_file, d) => {
    expect(d.panels.length).toBeGreaterThan(0);
    expect(new Set(d.panels.map((p) => p.id)).size).toBe(d.panels.length);
    for (const p of d.panels) {
      expect(p.datasource, p.title).toEqual({ type: "prometheus", uid: "${datasource}" });
      expect(p.targets.length, p.title).toBeGreaterThan(0);
      for (const t of p.targets) expect(t.expr.trim().length, p.title).toBeGreaterThan(0);
      expect(p.gridPos.x + p.gridPos.w, p.title).toBeLessThanOrEqual(24);
      expect(p.gridPos.w * p.gridPos.h, p.title).toBeGreaterThan(0);
    }
    const overlaps = (a: Panel["gridPos"], b: Panel["gridPos"]) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
    for (const [i, a] of d.panels.entries()) {
      for (const b of d.panels.slice(i + 1)) expect(overlaps(a.gridPos, b.gridPos), `${a.title} / ${b.title}`).toBe(false);
    }
  });

  it("uids are unique", () => {
    const uids = dashboards.map((d) => d.json.uid);
    expect(new Set(uids).size).toBe(uids.length);
  });

  it("every panel query is valid PromQL (promtool check rules)", () => {
    const tmp = mkdtempSync(join(tmpdir(), "gw-dashboards-"));
    try {
      const file = join(tmp, "dashboards.rules.yaml");
      const rules = exprs.map((e, i) => ({ record: `dashboard:query_${i}`, expr: e.expr }));
      writeFileSync(file, stringify({ groups: [{ name: "dashboards", rules }] }));
      const { status, output } = run("promtool", ["check", "rules", file]);
      const bad = [...output.matchAll(/group "dashboards", rule (\d+)/g)].map((m) => exprs[Number(m[1]) - 1]?.where);
      expect(status, `${output}\n${bad.join("\n")}`).toBe(0);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it("fails the PromQL check on a broken query", () => {
    const tmp = mkdtempSync(join(tmpdir(), "gw-dashboards-"));
    try {
      const file = join(tmp, "bad.rules.yaml");
      writeFileSync(file, stringify({ groups: [{ name: "dashboards", rules: [{ record: "dashboard:bad", expr: "sum(rate(http_requests_total[5m])" }] }] }));
      expect(run("promtool", ["check", "rules", file]).status).not.toBe(0);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it("queries read only recording rules that exist", () => {
    const recorded = new Set(ruleFiles().flatMap((f) => f.groups.flatMap((g) => g.rules.flatMap((r) => (r.record ? [r.record] : [])))));
    const used = exprs.flatMap((e) => [...e.expr.matchAll(/(?<![\w:"])([a-z_]*:[a-z0-9_:]+)/g)].map((m) => ({ where: e.where, name: m[1] })));
    expect(used.length).toBeGreaterThan(0);
    expect(used.filter((u) => !recorded.has(u.name))).toEqual([]);
  });
});
