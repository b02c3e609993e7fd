import type { Resource } from "../types";
import { isSet } from "./values";

/** True for an `aws_db_instance` that replicates another instance (`replicate_source_db`). */
export function isReadReplica(db: Resource): boolean {
  return isSet(db.values.replicate_source_db);
}
