/** A sandbox of real servers in its own temp directories, for one test file. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { down, up } from "../../runbooks/lib/sandbox.mjs";

export interface SandboxFixture {
  /** The sandbox's state directory (GROUNDWORK_SANDBOX_DIR). */
  readonly dir: string;
  /** Where journals and evidence reports go (GROUNDWORK_DRILLS_DIR). */
  readonly drills: string;
  /** process.env pointing the runbooks at both. */
  readonly env: NodeJS.ProcessEnv;
}

/** Start a sandbox whose directories are named after `label`. */
export async function startSandbox(label: string): Promise<SandboxFixture> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `gw-sandbox-${label}-`));
  const drills = fs.mkdtempSync(path.join(os.tmpdir(), `gw-drills-${label}-`));
  await up({ dir });
  return { dir, drills, env: { ...process.env, GROUNDWORK_SANDBOX_DIR: dir, GROUNDWORK_DRILLS_DIR: drills } };
}

/** Stop what `startSandbox` started and remove its directories. */
export async function stopSandbox(fixture: Pick<SandboxFixture, "dir" | "drills">): Promise<void> {
  await down({ dir: fixture.dir });
  fs.rmSync(fixture.dir, { recursive: true, force: true });
  fs.rmSync(fixture.drills, { recursive: true, force: true });
}
