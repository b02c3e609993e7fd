import type { ResourceRule } from "../types";
import { fail, isTrue, pass, show } from "../lib/values";

/** Clients reach the database through the RDS Proxy over TLS only. */
export const RdsProxyRequiresTls: ResourceRule = {
  id: "GW_RDS_PROXY_TLS",
  title: "RDS Proxy requires TLS",
  scope: "resource",
  resourceTypes: ["aws_db_proxy"],
  severity: "high",
  fix: "Set requireTls: true on the DbProxy.",
  check(proxy) {
    return isTrue(proxy.values.require_tls) ? pass() : fail(`require_tls is ${show(proxy.values.require_tls)}`);
  },
};
