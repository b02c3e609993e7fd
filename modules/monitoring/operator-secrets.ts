/**
 * Kubernetes Secrets that a release in the environment stack names but that
 * no stack creates, on purpose: an operator creates them from Vault, by a
 * step written in the production setup guide. Everything else a release names
 * must be created by the stack itself (tests/monitoring/secret-references.test.ts).
 */
import { RECEIVER_SECRET } from "../../monitoring/alertmanager/config";

export interface OperatorCreatedSecret {
  readonly namespace: string;
  readonly name: string;
  /** The guide that holds the exact commands, relative to the repository root. */
  readonly documentedIn: string;
  /** Why the stack does not create it. */
  readonly reason: string;
  /**
   * What happens before it exists; must not be a failed deploy.
   */
  readonly untilCreated: string;
}

export const OPERATOR_CREATED_SECRETS: readonly OperatorCreatedSecret[] = [
  {
    namespace: "monitoring",
    name: RECEIVER_SECRET,
    documentedIn: "docs/production-setup.md",
    reason: "PagerDuty and Slack credentials live in Vault (kv/platform/alertmanager), never in git or the Terraform state",
    untilCreated:
      "the operator-managed Alertmanager pods wait for the volume; the kube-prometheus-stack release does not wait for them, so the deploy succeeds",
  },
];
