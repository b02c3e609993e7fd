/**
 * Synthesizes the real app (`main.ts`) in this process into a temporary
 * directory, as `cdktf synth` would into `cdktf.out/`. `main.ts` builds its
 * `App` with the default outdir, which cdktf reads from `CDKTF_OUTDIR`.
 */
import { existsSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Synthesize `main.ts` into a new temporary directory and return it. */
export async function synthesizeApp(): Promise<string> {
  const outdir = mkdtempSync(join(tmpdir(), "gw-synth-"));
  const previous = process.env.CDKTF_OUTDIR;
  process.env.CDKTF_OUTDIR = outdir;
  try {
    await import("../../main");
  } finally {
    if (previous === undefined) delete process.env.CDKTF_OUTDIR;
    else process.env.CDKTF_OUTDIR = previous;
  }
  const stacks = join(outdir, "stacks");
  if (!existsSync(stacks) || readdirSync(stacks).length === 0) throw new Error(`main.ts synthesized no stacks into ${outdir}`);
  return outdir;
}
