/** Running the external benchmark tools (pgbench, redis-benchmark). */
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const exec = promisify(execFile);

/** Run the tool; on failure throw one line (`<name> failed: <last stderr line>`) instead of the whole command output. */
export async function runTool(name: string, bin: string, args: string[], options: { timeout: number; maxBuffer?: number }): Promise<{ stdout: string }> {
  try {
    return await exec(bin, args, { ...options, encoding: "utf8" });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    const detail = (e.stderr ?? "").trim().split("\n").filter(Boolean).at(-1) ?? e.message.split("\n")[0];
    throw new Error(`${name} failed: ${detail}`);
  }
}
