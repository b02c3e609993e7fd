/** Print (or with --write, commit-ready write) the stateful resource ids the stability test checks. */
import { writeFileSync } from "node:fs";
import { statefulIds } from "../tests/helpers/stateful-ids";

const text = `${JSON.stringify(statefulIds(), null, 2)}\n`;
if (process.argv.includes("--write")) {
  writeFileSync(new URL("../tests/unit/stateful-ids.json", import.meta.url), text);
  console.log("wrote tests/unit/stateful-ids.json");
} else {
  process.stdout.write(text);
}
