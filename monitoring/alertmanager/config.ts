/**
 * Alertmanager configuration for kube-prometheus-stack (`alertmanager.config`).
 *
 * Routing: by `team`, then by `severity`. critical pages the team through
 * PagerDuty (and posts to its Slack channel); warning posts to Slack only.
 * Receiver secrets never enter git: they are files from the Kubernetes Secret
 * `alertmanager-receivers` (synced from Vault), mounted by the operator under
 * /etc/alertmanager/secrets/<secret>/ through `alertmanagerSpec.secrets`.
 */
import { TEAMS, type Team } from "../alerts";

export const RECEIVER_SECRET = "alertmanager-receivers";
const SECRET_DIR = `/etc/alertmanager/secrets/${RECEIVER_SECRET}`;

/** Keys the `alertmanager-receivers` Secret must hold, one per team and integration. */
export function receiverSecretKeys(): string[] {
  return TEAMS.flatMap((t) => [`pagerduty-${t}`, `slack-${t}`]);
}

export const pageReceiver = (team: Team): string => `${team}-pagerduty`;
export const slackReceiver = (team: Team): string => `${team}-slack`;

/** Pod-level alerts that carry the `node` label and are noise while their node is down. */
export const POD_ALERTS_ON_NODE = ["PodCrashLooping"] as const;

/** [source, target, equal]: while `source` fires, `target` is muted for the same `equal` labels. */
export const INHIBITIONS: readonly (readonly [string, string, readonly string[]])[] = [
  ["ServiceAvailabilityBurnRateFast", "ServiceAvailabilityBurnRateSlow", ["service"]],
  ["ServiceLatencyBurnRateFast", "ServiceLatencyBurnRateSlow", ["service"]],
  ["CertificateExpiryImminent", "CertificateExpiringSoon", ["namespace", "name"]],
  ["VaultLeaderLost", "VaultRaftUnhealthy", []],
];

function slackConfig(team: Team) {
  return {
    api_url_file: `${SECRET_DIR}/slack-${team}`,
    channel: `#alerts-${team}`,
    send_resolved: true,
    title: '[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}] {{ .CommonLabels.alertname }}',
    text: "{{ range .Alerts }}*{{ .Annotations.summary }}*\n{{ .Annotations.description }}\nRunbook: {{ .Annotations.runbook_url }}\n{{ end }}",
  };
}

export function alertmanagerConfig() {
  return {
    global: { resolve_timeout: "5m" },
    route: {
      // Alerts without a known team (e.g. kube-prometheus-stack defaults) go to platform's channel.
      receiver: slackReceiver("platform"),
      group_by: ["alertname", "team", "service", "namespace"],
      group_wait: "30s",
      group_interval: "5m",
      repeat_interval: "4h",
      routes: [
        // kube-prometheus-stack's always-firing Watchdog and InfoInhibitor carry no action.
        { receiver: "null", matchers: ['alertname=~"Watchdog|InfoInhibitor"'] },
        ...TEAMS.map((team) => ({
          receiver: slackReceiver(team),
          matchers: [`team="${team}"`],
          routes: [{ receiver: pageReceiver(team), matchers: ['severity="critical"'], repeat_interval: "1h" }],
        })),
      ],
    },
    inhibit_rules: [
      {
        source_matchers: ['alertname="NodeNotReady"'],
        target_matchers: [`alertname=~"${POD_ALERTS_ON_NODE.join("|")}"`],
        equal: ["node"],
      },
      ...INHIBITIONS.map(([source, target, equal]) => ({
        source_matchers: [`alertname="${source}"`],
        target_matchers: [`alertname="${target}"`],
        equal: [...equal],
      })),
    ],
    receivers: [
      { name: "null" },
      ...TEAMS.flatMap((team) => [
        {
          name: pageReceiver(team),
          pagerduty_configs: [
            {
              routing_key_file: `${SECRET_DIR}/pagerduty-${team}`,
              send_resolved: true,
              description: "{{ .CommonLabels.alertname }}: {{ .CommonAnnotations.summary }}",
              links: [{ href: "{{ .CommonAnnotations.runbook_url }}", text: "Runbook" }],
            },
          ],
          slack_configs: [slackConfig(team)],
        },
        { name: slackReceiver(team), slack_configs: [slackConfig(team)] },
      ]),
    ],
  };
}
