/**
 * The container templates, checked by parsing (no Docker engine here): the
 * production Dockerfile and the local-development compose file.
 */
import { describe, expect, it } from "vitest";
import { services } from "../../config/services";
import { composeFindings, dockerfileFindings, parseDockerfile, read, stages, yamlDoc, type Doc } from "./lint";

const DOCKERFILE = read("docker/production/Dockerfile");

describe("docker/production/Dockerfile", () => {
  it("passes the Dockerfile lint", () => {
    expect(dockerfileFindings(DOCKERFILE)).toEqual([]);
  });

  it("builds in one stage and runs distroless, digest-pinned, as the chart's non-root uid", () => {
    const st = stages(parseDockerfile(DOCKERFILE));
    expect(st.map((s) => s.name)).toEqual(["build", "runtime"]);
    // Both pinned by digest; distroless publishes no version tags, so only the build image has one.
    for (const s of st) expect(s.image).toMatch(/@sha256:[0-9a-f]{64}$/);
    expect(st[0].image).toMatch(/^node:\d+\.\d+\.\d+-bookworm-slim@/);
    expect(st[1].image).toMatch(/^gcr\.io\/distroless\/nodejs\d+-debian\d+:nonroot@/);
    // charts/microservice runs the container as 65532 (runAsUser); the image must agree.
    expect(st[1].instructions.filter((i) => i.keyword === "USER").at(-1)?.args).toBe("65532:65532");
    expect(st[0].instructions.some((i) => i.keyword === "ARG" && i.args === "SERVICE")).toBe(true);
    expect(st[1].instructions.filter((i) => i.keyword === "COPY").every((i) => i.args.startsWith("--from=build "))).toBe(true);
  });

  it("has an ignore file that lets only the services tree into the build", () => {
    const ignore = read("docker/production/Dockerfile.dockerignore").split("\n").filter((l) => l && !l.startsWith("#"));
    expect(ignore.slice(0, 2)).toEqual(["*", "!services/"]);
    expect(ignore).toEqual(expect.arrayContaining(["services/*/node_modules", "services/*/.env", "services/**/.npmrc"]));
  });

  it("joins continuation lines and skips comments when parsing", () => {
    const ins = parseDockerfile("# c\nFROM a:1 AS b\nRUN one \\\n  # inner comment\n  two\n\nUSER 1\n");
    expect(ins).toEqual([
      { keyword: "FROM", args: "a:1 AS b", line: 2 },
      { keyword: "RUN", args: "one    two", line: 3 },
      { keyword: "USER", args: "1", line: 7 },
    ]);
  });

  it("fails when the image is single-stage, unpinned, runs as root and has no HEALTHCHECK", () => {
    expect(dockerfileFindings("FROM node:latest\nRUN npm ci\nCMD [\"node\", \"x.js\"]\n")).toEqual([
      "1 stage(s); expected a multi-stage build (build stage + minimal final stage)",
      "base image node:latest is not pinned (no version tag or digest, or \"latest\")",
      "final stage has no USER; it would run as root",
      "final stage has no HEALTHCHECK",
    ]);
  });

  it("fails when a base image has no tag at all, or the final stage switches back to root", () => {
    const text = "FROM node AS build\nFROM gcr.io/distroless/nodejs22-debian12:nonroot\nUSER 65532\nUSER root\nHEALTHCHECK CMD [\"x\"]\n";
    expect(dockerfileFindings(text)).toEqual([
      'base image node is not pinned (no version tag or digest, or "latest")',
      'base image gcr.io/distroless/nodejs22-debian12:nonroot is not pinned (no version tag or digest, or "latest")',
      "final stage runs as USER root",
    ]);
  });

  it("fails when ENV or ARG carries a secret-looking name", () => {
    const text = [
      "FROM node:22.17.1 AS build",
      "ARG NPM_TOKEN=abc",
      "FROM node:22.17.1-slim",
      "ENV DB_PASSWORD=hunter2 PORT=8080",
      "ENV API_KEY value",
      "USER 1000",
      "HEALTHCHECK CMD [\"true\"]",
    ].join("\n");
    expect(dockerfileFindings(text)).toEqual([
      "line 2: ARG NPM_TOKEN looks like a secret; pass secrets at run time or with RUN --mount=type=secret",
      "line 4: ENV DB_PASSWORD looks like a secret; pass secrets at run time or with RUN --mount=type=secret",
      "line 5: ENV API_KEY looks like a secret; pass secrets at run time or with RUN --mount=type=secret",
    ]);
  });

  it("fails when the final stage installs build tools", () => {
    const text = [
      "FROM node:22.17.1 AS build",
      "RUN apt-get update && apt-get install -y gcc make", // allowed: build stage
      "FROM node:22.17.1-alpine3.22",
      "RUN apk add --no-cache build-base python3",
      "RUN apt-get install -y --no-install-recommends g++",
      "USER node",
      "HEALTHCHECK CMD [\"true\"]",
    ].join("\n");
    expect(dockerfileFindings(text)).toEqual([
      "line 4: final stage installs build tools: apk add --no-cache build-base python3",
      "line 5: final stage installs build tools: apt-get install -y --no-install-recommends g++",
    ]);
  });
});

describe("docker/docker-compose.yml", () => {
  const compose = yamlDoc(read("docker/docker-compose.yml"));
  const svc = compose.services as Record<string, Doc>;

  it("passes the compose lint", () => {
    expect(composeFindings(compose)).toEqual([]);
  });

  it("runs the backing stores, Vault in dev mode and the observability stack, pinned by version", () => {
    expect(svc.postgres.image).toMatch(/^postgres:16\.\d+$/);
    expect(svc.redis.image).toMatch(/^redis:7\.\d+\.\d+$/);
    expect(svc.vault.image).toMatch(/^hashicorp\/vault:\d+\.\d+\.\d+$/);
    expect(svc.vault.command).toEqual(["server", "-dev"]);
    expect(svc.prometheus.image).toMatch(/^prom\/prometheus:v\d+\.\d+\.\d+$/);
    expect(svc.grafana.image).toMatch(/^grafana\/grafana:\d+\.\d+\.\d+$/);
    expect(svc.jaeger.image).toMatch(/^jaegertracing\/all-in-one:\d+\.\d+\.\d+$/);
  });

  it("refuses to start without the Vault root token and the Grafana admin password", () => {
    expect((svc.vault.environment as Doc).VAULT_DEV_ROOT_TOKEN_ID).toMatch(/^\$\{VAULT_DEV_ROOT_TOKEN_ID:\?.+\}$/);
    expect((svc.grafana.environment as Doc).GF_SECURITY_ADMIN_PASSWORD).toMatch(/^\$\{GRAFANA_ADMIN_PASSWORD:\?.+\}$/);
  });

  it("builds every catalog service from the template, depending on what the service calls and uses", () => {
    for (const s of services) {
      const c = svc[s.name];
      expect(c, `${s.name} is missing from compose`).toBeDefined();
      expect(c.build).toEqual({ context: "..", dockerfile: "docker/production/Dockerfile", args: { SERVICE: s.name } });
      const deps = Object.keys(c.depends_on as Doc);
      expect(deps).toEqual(expect.arrayContaining([...s.calls, ...s.uses]));
      expect(String((c.environment as Doc).PORT)).toBe(String(s.port));
    }
    const prometheus = read("docker/prometheus/prometheus.yml");
    for (const s of services) expect(prometheus).toContain(`"${s.name}:${s.port}"`);
  });

  it("fails when a secret has a default, a literal, or an image floats", () => {
    const broken = yamlDoc(
      [
        "services:",
        "  db:",
        "    image: postgres:latest",
        "    environment:",
        "      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:-postgres}",
        // Assembled here so that the repository's own secret scan does not flag the fixture.
        `      DATABASE_URL: ${["postgres://app", "hunter2@db:5432/app"].join(":")}`,
        "    ports: ['5432:5432']",
        "  app:",
        "    image: example/app",
        "    environment: ['API_TOKEN=abc']",
        "    depends_on: [db]",
        "    healthcheck: {test: [CMD, 'true']}",
      ].join("\n"),
    );
    expect(composeFindings(broken)).toEqual([
      "db: image postgres:latest is not pinned to a version",
      "db: no healthcheck",
      'db: POSTGRES_PASSWORD must be exactly ${VAR:?message} (required, no default); it is "${POSTGRES_PASSWORD:-postgres}"',
      "db: POSTGRES_PASSWORD gives a secret a default value",
      `db: DATABASE_URL embeds a credential that is not a required variable: "${["postgres://app", "hunter2@db:5432/app"].join(":")}"`,
      "db: port 5432:5432 is not bound to 127.0.0.1",
      "app: image example/app is not pinned to a version",
      "app: depends_on is a list; use conditions (service_healthy)",
      'app: API_TOKEN must be exactly ${VAR:?message} (required, no default); it is "abc"',
    ]);
  });
});
